/**
 * POST /v1/streams/:id/settle — the stream's sender asks to settle now instead of waiting for the
 * idle timeout. The request carries the same payment proof headers as a paid request (signed by the
 * sender directly or by its session key, over the exact body, e.g. `{"streamId":"7"}`); nothing is
 * billed. The runtime stops accepting jobs on the stream, lets running jobs finish, and the settler
 * calls StreamPay.settle(streamId, metered total) at its next tick: the provider gets what it
 * metered, the sender the rest, in one transaction paid by the provider.
 *
 * Answers 202 `{ streamId, status: "settling", metered }`, or 200 `{ status: "ended" }` when the
 * stream is already closed on chain. Idempotent: asking twice settles once. A third party cannot
 * close someone else's stream (the proof must be the sender's).
 *
 * Wiring (start.ts): `settleNowRoutes({ wallet, streams, verifier, ledger, meteredTotal, settleSoon: () => settler.tick() })`.
 */
import type { FastifyInstance } from "fastify";
import type { Address } from "viem";
import { ClawError } from "../../core/errors.ts";
import { bodyHashOf } from "../../core/payment.ts";
import { streamStatus, type OnChainStream } from "../../core/stream.ts";
import type { BudgetLedger } from "../../scheduler/budget-ledger.ts";
import { parsePaymentProof } from "../guard/parse-proof.ts";
import type { ProofVerifier } from "../guard/verify-proof.ts";

export type SettleNowDeps = {
  /** This provider's wallet: only streams paying it can be settled here. */
  wallet: Address;
  /** The guard's stream source (watcher-fed cache, else one eth_call). */
  streams: { get(streamId: bigint): Promise<OnChainStream | null> };
  verifier: ProofVerifier;
  ledger: Pick<BudgetLedger, "has" | "track" | "close" | "get">;
  /** What the log says was metered on a stream (for a stream the ledger is not tracking). */
  meteredTotal(streamId: bigint): bigint;
  /** Runs the settler now rather than at its next interval. */
  settleSoon(streamId: bigint): void;
  nowMs?: () => number;
};

/**
 * @example
 * await app.register(settleNowRoutes({ wallet, streams, verifier, ledger, meteredTotal, settleSoon: () => settler.tick() }));
 */
export function settleNowRoutes(d: SettleNowDeps) {
  const nowMs = d.nowMs ?? Date.now;
  return async (app: FastifyInstance) => {
    app.post(
      "/v1/streams/:id/settle",
      { schema: { params: { type: "object", properties: { id: { type: "string", pattern: "^\\d{1,78}$" } } } } },
      async (request, reply) => {
        const id = BigInt((request.params as { id: string }).id);
        const proof = parsePaymentProof(request.headers);
        if (proof.streamId !== id) {
          throw new ClawError("BAD_REQUEST", { message: `The proof is for stream ${proof.streamId}, not stream ${id}.` });
        }
        const nowSeconds = BigInt(Math.floor(nowMs() / 1000));
        if (proof.deadline < nowSeconds) throw new ClawError("DEADLINE_EXPIRED", { message: `The proof's deadline ${proof.deadline} is before now (${nowSeconds}).` });
        const bodyHash = bodyHashOf(request.rawBody ?? new Uint8Array());
        if (proof.claimedBodyHash !== undefined && proof.claimedBodyHash !== bodyHash) {
          throw new ClawError("BODY_HASH_MISMATCH", { message: `The body hashes to ${bodyHash}, not to the signed ${proof.claimedBodyHash}.` });
        }
        const stream = await d.streams.get(id);
        if (!stream) throw new ClawError("STREAM_NOT_FOUND", { message: `Stream ${id} does not exist on chain.` });
        if (stream.recipient.toLowerCase() !== d.wallet.toLowerCase()) {
          throw new ClawError("STREAM_WRONG_RECIPIENT", { message: `Stream ${id} pays ${stream.recipient}, not this provider (${d.wallet}).` });
        }
        await d.verifier.verify(proof, bodyHash, stream.sender, nowSeconds);
        if (stream.status !== streamStatus.active) return reply.status(200).send({ streamId: id.toString(), status: "ended" });
        if (!d.ledger.has(id)) d.ledger.track(id, { deposit: stream.deposit, metered: d.meteredTotal(id) });
        d.ledger.close(id);
        d.settleSoon(id);
        const metered = d.ledger.get(id)?.metered ?? 0n;
        return reply.status(202).send({ streamId: id.toString(), status: "settling", metered: metered.toString() });
      },
    );
  };
}
