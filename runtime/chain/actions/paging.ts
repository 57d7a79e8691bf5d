/**
 * The registry's page limits (its MAX_PAGE and MAX_SCAN clamps: asking for more returns no more)
 * and a ceiling on pages per listing, so a misbehaving node cannot keep a loop going forever.
 * Every registry view is paged on chain with a documented worst-case gas (contracts/README.md), so
 * 20,000 junk registrations make more calls, never one call over a node's gas cap. A listing that
 * reaches its ceiling throws CHAIN_PAGE_CAP (pageCapReached): it never returns a cut list as if whole.
 */
import { ClawError } from "../../core/errors.ts";

export const PROVIDER_PAGE = 200n;
export const ID_WINDOW = 2_000n;
/** Pages of PROVIDER_PAGE: 200,000 providers per listing. */
export const MAX_PAGES = 1_000;

/**
 * Blocks per eth_getLogs call: public RPCs refuse wide ranges (often beyond a few thousand blocks),
 * so event scans go window by window, as the watcher does.
 */
export const LOG_WINDOW = 2_000n;
/** Log windows per scan: 25,000 windows of 2,000 blocks = 50M blocks (pass the deployment block as fromBlock). */
export const MAX_LOG_WINDOWS = 25_000;

/**
 * The error every pager throws at its ceiling, naming the listing and the cap.
 * @example
 * if (page === MAX_PAGES) throw pageCapReached("getProvidersByModel(echo-1)", MAX_PAGES, "pages of 200");
 */
export function pageCapReached(listing: string, cap: number, unit: string): ClawError {
  return new ClawError("CHAIN_PAGE_CAP", {
    message: `${listing} did not end within ${cap} ${unit}; refusing to return a cut list (narrow the range or raise the cap).`,
    details: { listing, cap, unit },
  });
}

/**
 * The [from, to] windows of at most `span` blocks that cover [fromBlock, toBlock], oldest first.
 * @example
 * [...blockWindows(0n, 4_500n, 2_000n)] // [[0n, 1999n], [2000n, 3999n], [4000n, 4500n]]
 */
export function* blockWindows(fromBlock: bigint, toBlock: bigint, span: bigint = LOG_WINDOW): Generator<[bigint, bigint]> {
  for (let from = fromBlock; from <= toBlock; from += span) yield [from, from + span - 1n < toBlock ? from + span - 1n : toBlock];
}

/**
 * blockWindows with a ceiling: throws CHAIN_PAGE_CAP before the first call when the range needs
 * more than `maxWindows` windows, so a scan from block 0 on a long chain fails loudly instead of
 * running for hours or stopping half way.
 * @example
 * for (const [from, to] of cappedWindows("ProviderRegistered logs", 0n, head)) { ... }
 */
export function cappedWindows(listing: string, fromBlock: bigint, toBlock: bigint, span: bigint = LOG_WINDOW, maxWindows: number = MAX_LOG_WINDOWS): Generator<[bigint, bigint]> {
  const windows = toBlock < fromBlock ? 0n : (toBlock - fromBlock) / span + 1n;
  if (windows > BigInt(maxWindows)) throw pageCapReached(`${listing} from block ${fromBlock} to ${toBlock}`, maxWindows, `log windows of ${span} blocks`);
  return blockWindows(fromBlock, toBlock, span);
}
