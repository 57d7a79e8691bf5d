/**
 * ComputeRegistry.rateStream: the sender of a closed provider stream rates the provider once. The
 * registry asks StreamPay that the caller opened the stream, that it is closed, paid the provider's
 * wallet something and was not rated before, and weighs the rating by what the stream paid. Every
 * figure is bounded here before anything is sent (the contract's widths): score 0..100, time to
 * first token and tokens/s below 2^24, failures below 2^16.
 */
import { zeroHash, type Address, type Hex } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import { ClawError } from "../../core/errors.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

export type StreamRating = {
  /** 0..100. */
  score: number;
  /** Time to first token the consumer measured, ms (rounded, < 2^24). */
  ttftMs: number;
  /** Output tokens per second the consumer measured (floored, < 2^24). */
  tokensPerSecond: number;
  /** Requests of this stream that failed (< 2^16). */
  failures: number;
  /** EIP-712 digest of the provider's signed job receipt the figures refer to; zero when none. */
  receiptDigest?: Hex;
};

const LIMITS = { score: 100, ttftMs: 2 ** 24 - 1, tokensPerSecond: 2 ** 24 - 1, failures: 2 ** 16 - 1 } as const;

function checked(r: StreamRating): StreamRating {
  for (const [field, max] of Object.entries(LIMITS) as Array<[keyof typeof LIMITS, number]>) {
    const v = r[field];
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new ClawError("BAD_REQUEST", { message: `A rating's ${field} must be a whole number from 0 to ${max}; got ${v}.`, details: { field, max } });
    }
  }
  if (r.receiptDigest !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(r.receiptDigest)) {
    throw new ClawError("BAD_REQUEST", { message: "A rating's receiptDigest must be 32 bytes of hex (0x + 64 digits).", details: { field: "receiptDigest" } });
  }
  return r;
}

/**
 * @example
 * await rateStream(clients, { registry, streamId: 7n, score: 90, ttftMs: 320, tokensPerSecond: 48, failures: 0, receiptDigest });
 */
export async function rateStream(clients: ChainClients, p: { registry: Address; streamId: bigint } & StreamRating, o: WriteOptions = {}): Promise<Written> {
  const r = checked(p);
  return submitWrite(clients, `ComputeRegistry.rateStream(${p.streamId})`, async () => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.registry, abi: computeRegistryAbi, functionName: "rateStream",
      args: [p.streamId, r.score, r.ttftMs, r.tokensPerSecond, r.failures, r.receiptDigest ?? zeroHash],
      account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request);
  }, o);
}
