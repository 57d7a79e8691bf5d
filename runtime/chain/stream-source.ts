/**
 * Where the guard gets a stream: a cache filled by earlier reads and kept current by the watcher's
 * events, else one `getStream` eth_call. A node that cannot be reached is CHAIN_UNAVAILABLE (503):
 * the runtime never serves a stream it could not verify.
 */
import type { Address } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import { ClawError } from "../core/errors.ts";
import { streamStatus, type OnChainStream } from "../core/stream.ts";
import type { ChainClients } from "./clients.ts";
import { chainError } from "./send-tx.ts";

export type RawStream = {
  sender: Address; recipient: Address; deposit: bigint; withdrawn: bigint; startTime: bigint | number;
  duration: bigint | number; providerId: bigint | number; serviceType: number; status: number;
};

export function toOnChainStream(streamId: bigint, s: RawStream): OnChainStream {
  return {
    streamId, sender: s.sender, recipient: s.recipient, deposit: BigInt(s.deposit), withdrawn: BigInt(s.withdrawn),
    startTime: BigInt(s.startTime), duration: BigInt(s.duration), providerId: BigInt(s.providerId),
    serviceType: Number(s.serviceType), status: Number(s.status),
  };
}

/** One eth_call: the stream as StreamPay holds it now (status 0 when it does not exist). */
export async function readStream(clients: Pick<ChainClients, "publicClient">, streamPay: Address, streamId: bigint): Promise<OnChainStream> {
  try {
    const raw = (await clients.publicClient.readContract({ address: streamPay, abi: streamPayAbi, functionName: "getStream", args: [streamId] })) as RawStream;
    return toOnChainStream(streamId, raw);
  } catch (err) {
    const e = chainError(err, `getStream(${streamId})`);
    if (e.code === "CHAIN_TX_FAILED") return toOnChainStream(streamId, { sender: "0x0000000000000000000000000000000000000000", recipient: "0x0000000000000000000000000000000000000000", deposit: 0n, withdrawn: 0n, startTime: 0n, duration: 1n, providerId: 0n, serviceType: 0, status: 0 });
    throw new ClawError("CHAIN_UNAVAILABLE", { message: `Cannot verify stream ${streamId}: the chain node cannot be reached.`, cause: err });
  }
}

export type StreamCache = {
  get(streamId: bigint): Promise<OnChainStream | null>;
  /** Marks a stream ended (watcher saw it cancelled, settled or depleted). */
  setStatus(streamId: bigint, status: number): void;
  put(stream: OnChainStream): void;
};

export function createStreamCache(clients: Pick<ChainClients, "publicClient">, streamPay: Address): StreamCache {
  const cache = new Map<bigint, OnChainStream>();
  const inflight = new Map<bigint, Promise<OnChainStream>>();
  return {
    async get(streamId) {
      const hit = cache.get(streamId);
      if (hit) return hit;
      let p = inflight.get(streamId);
      if (!p) {
        p = readStream(clients, streamPay, streamId).finally(() => inflight.delete(streamId));
        inflight.set(streamId, p);
      }
      const s = await p;
      if (s.status === streamStatus.none) return null;
      cache.set(streamId, s);
      return s;
    },
    setStatus(streamId, status) {
      const s = cache.get(streamId);
      if (s) cache.set(streamId, { ...s, status });
    },
    put(stream) {
      cache.set(stream.streamId, stream);
    },
  };
}
