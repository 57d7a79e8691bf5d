/**
 * The openings an earlier run logged (StreamOpening, written before the transaction was broadcast)
 * and never resolved: the run died after signing, maybe after broadcasting, before StreamOpened.
 * Each is looked up on chain, once, bounded:
 *  - mined, with StreamCreated in its receipt: a stream nobody watches. StreamOpened is logged from
 *    the chain's facts, so the recovery closes it like any stream left open (./recover.ts);
 *  - mined and reverted: StreamOpenFailed "reverted" (no deposit was locked);
 *  - known to the node but not mined: its receipt is awaited (at most `waitMs`), else it stays pending;
 *  - unknown: "dropped" only when the account's nonce (mined) is already past the opening's nonce —
 *    another transaction took that nonce, so this one can never be mined. The nonce is read before the
 *    lookups, so a transaction mined in between is still seen. Otherwise it stays pending: its deposit
 *    stays counted by the spending limits, and the next recovery looks again.
 * Idempotent: StreamOpened and StreamOpenFailed are deduplicated by transaction hash.
 */
import { getAddress, parseEventLogs, type Address, type Hash, type TransactionReceipt } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import type { ClientChain } from "../client/chain.ts";
import type { GatewayLog, LoggedOpening } from "./log.ts";

export type OpeningOutcome = {
  txHash: string; outcome: "opened" | "reverted" | "dropped" | "pending";
  /** The stream it opened ("opened"). */
  streamId?: bigint;
  detail: string;
};

const orUndefined = <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);

function fromReceipt(chain: ClientChain, log: GatewayLog, o: LoggedOpening, receipt: TransactionReceipt): OpeningOutcome {
  const txHash = o.intent.txHash;
  if (receipt.status !== "success") {
    log.openFailed(txHash, "reverted", `transaction reverted in block ${receipt.blockNumber}`);
    return { txHash, outcome: "reverted", detail: `reverted in block ${receipt.blockNumber}` };
  }
  const created = parseEventLogs({ abi: streamPayAbi, logs: receipt.logs, eventName: "StreamCreated" })
    .find((l) => l.address.toLowerCase() === chain.contracts.streamPay.toLowerCase());
  if (!created) {
    log.openFailed(txHash, "reverted", `mined in block ${receipt.blockNumber} without a StreamCreated event`);
    return { txHash, outcome: "reverted", detail: "mined without a StreamCreated event" };
  }
  const a = created.args;
  log.streamOpened({
    stream: {
      streamId: a.streamId, sender: a.sender, recipient: a.recipient, providerId: a.providerId, deposit: a.deposit, durationSeconds: a.duration,
      startTime: a.startTime, serviceType: a.serviceType, openTx: txHash as Hash, openBlock: receipt.blockNumber, gasPaid: receipt.gasUsed * receipt.effectiveGasPrice,
    },
  });
  return { txHash, outcome: "opened", streamId: a.streamId, detail: `stream ${a.streamId} opened in block ${receipt.blockNumber}` };
}

async function resolveOne(chain: ClientChain, log: GatewayLog, o: LoggedOpening, waitMs: number): Promise<OpeningOutcome> {
  const hash = o.intent.txHash as Hash;
  const mined = await chain.publicClient.getTransactionCount({ address: getAddress(o.intent.sender) as Address, blockTag: "latest" });
  const receipt = await orUndefined(chain.publicClient.getTransactionReceipt({ hash }));
  if (receipt) return fromReceipt(chain, log, o, receipt);
  const known = await orUndefined(chain.publicClient.getTransaction({ hash }));
  if (known) {
    const later = await orUndefined(chain.publicClient.waitForTransactionReceipt({ hash, timeout: waitMs }));
    if (later) return fromReceipt(chain, log, o, later);
    return { txHash: hash, outcome: "pending", detail: `known to the node, not mined after ${waitMs} ms` };
  }
  if (BigInt(mined) > o.intent.nonce) {
    const detail = `never mined: the account's nonce moved past ${o.intent.nonce}`;
    log.openFailed(hash, "dropped", detail);
    return { txHash: hash, outcome: "dropped", detail };
  }
  return { txHash: hash, outcome: "pending", detail: `unknown to the node and nonce ${o.intent.nonce} still free: looked up again at the next recovery` };
}

/**
 * @example
 * const outcomes = await resolveOpenings(chain, log); // then the log's active streams include the found ones
 */
export async function resolveOpenings(chain: ClientChain, log: GatewayLog, o: { waitMs?: number } = {}): Promise<OpeningOutcome[]> {
  const out: OpeningOutcome[] = [];
  // One at a time, in log order: few (one per crash), and each decision sees the ones before it.
  for (const opening of log.orphanOpenings()) {
    try {
      out.push(await resolveOne(chain, log, opening, o.waitMs ?? 30_000));
    } catch (err) {
      out.push({ txHash: opening.intent.txHash, outcome: "pending", detail: `lookup failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return out;
}
