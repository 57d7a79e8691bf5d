/**
 * The registry's page limits (its MAX_PAGE and MAX_SCAN clamps: asking for more returns no more)
 * and a ceiling on pages per listing, so a misbehaving node cannot keep a loop going forever.
 * Every registry view is paged on chain with a documented worst-case gas (contracts/README.md), so
 * 20,000 junk registrations make more calls, never one call over a node's gas cap.
 */
export const PROVIDER_PAGE = 200n;
export const ID_WINDOW = 2_000n;
export const MAX_PAGES = 1_000;

/**
 * Blocks per eth_getLogs call: public RPCs refuse wide ranges (often beyond a few thousand blocks),
 * so event scans go window by window, as the watcher does.
 */
export const LOG_WINDOW = 2_000n;

/**
 * The [from, to] windows of at most `span` blocks that cover [fromBlock, toBlock], oldest first.
 * @example
 * [...blockWindows(0n, 4_500n, 2_000n)] // [[0n, 1999n], [2000n, 3999n], [4000n, 4500n]]
 */
export function* blockWindows(fromBlock: bigint, toBlock: bigint, span: bigint = LOG_WINDOW): Generator<[bigint, bigint]> {
  for (let from = fromBlock; from <= toBlock; from += span) yield [from, from + span - 1n < toBlock ? from + span - 1n : toBlock];
}
