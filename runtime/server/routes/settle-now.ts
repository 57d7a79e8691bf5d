/**
 * POST /v1/streams/:id/settle — the stream's sender asks to settle now instead of waiting for the
 * idle timeout. Settling is its own signed act, not a payment: the proof headers are those of a paid
 * request, but the signature is over EIP-712 `Settle(uint256 streamId,uint256 nonce,uint64 deadline)`
 * (direct) or the `claw-settle:v2:…` session message, so no served request's proof passes here. Its
 * nonce is fresh in the stream's one replay space (a nonce spent by a job, or by an earlier settle
 * act, is NONCE_REPLAYED), spent durably (a `SettleRequested` event) before anything happens, and the
 * body is exactly `{"streamId":"<id>"}`. Nothing is billed. The runtime stops accepting jobs on the
 * stream, lets running jobs finish, and the settler calls StreamPay.settle(streamId, metered total)
 * at its next tick: the provider gets what it metered, the sender the rest, in one transaction paid
 * by the provider.
 *
 * Answers 202 `{ streamId, status: "settling", metered }`, or 200 `{ status: "ended" }` when the
 * stream is already closed on chain. Asking twice (two signed acts) settles once. A third party cannot
 * close someone else's stream (the act must be the sender's), nor replay the sender's.
 *
 * Wiring (start.ts): `settleNowRoutes({ wallet, streams, verifier, ledger, meteredTotal, store, settleSoon: () => settler.tick() })`.
 */
import type { FastifyInstance } from "fastify";
import type { Address } from "viem";
import { ClawError } from "../../core/errors.ts";
import { settleRequested } from "../../core/events.ts";
import { settleBody } from "../../core/payment.ts";
import type { OnChainStream } from "../../core/stream.ts";
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
  /** The log: the nonce replay space shared with payments, and the durable append of the settle act. */
  store: {
    hasNonce(streamId: bigint, nonce: bigint): boolean;
    append(e: ReturnType<typeof settleRequested>): Promise<{ duplicate: boolean }>;
  };
  /** Runs the settler now rather than at its next interval. */
  settleSoon(streamId: bigint): void;
  nowMs?: () => number;
};

/**
 * @example
 * await app.register(settleNowRoutes({ wallet, streams, verifier, ledger, meteredTotal, store, settleSoon: () => settler.tick() }));
 */
export function settleNowRoutes(d: SettleNowDeps) {
  const nowMs = d.nowMs ?? Date.now;
  return async (app: FastifyInstance) => {
    app.post(
      "/v1/streams/:id/settle",
      // crossOrigin: the SDK closes its stream from a page on another origin too (server/cors.ts).
      { config: { crossOrigin: true }, schema: { params: { type: "object", properties: { id: { type: "string", pattern: "^\\d{1,78}$" } } } } },
      async (request, reply) => {
        const id = BigInt((request.params as { id: string }).id);
        const proof = parsePaymentProof(request.headers, { method: request.method, path: request.url });
        if (proof.streamId !== id) {
          throw new ClawError("BAD_REQUEST", { message: `The proof is for stream ${proof.streamId}, not stream ${id}.` });
        }
        const nowSeconds = BigInt(Math.floor(nowMs() / 1000));
        if (proof.deadline < nowSeconds) throw new ClawError("DEADLINE_EXPIRED", { message: `The proof's deadline ${proof.deadline} is before now (${nowSeconds}).` });
        const exact = settleBody(id);
        if (!sameBytes(request.rawBody, exact)) {
          throw new ClawError("BAD_REQUEST", { message: `The body of a settle request must be exactly ${exact}.` });
        }
        const stream = await d.streams.get(id);
        if (!stream) throw new ClawError("STREAM_NOT_FOUND", { message: `Stream ${id} does not exist on chain.` });
        if (stream.recipient.toLowerCase() !== d.wallet.toLowerCase()) {
          throw new ClawError("STREAM_WRONG_RECIPIENT", { message: `Stream ${id} pays ${stream.recipient}, not this provider (${d.wallet}).` });
        }
        await d.verifier.verifySettle(proof, stream.sender, nowSeconds);
        if (stream.status !== "active") return reply.status(200).send({ streamId: id.toString(), status: "ended" });
        const replayed = () => new ClawError("NONCE_REPLAYED", { message: `Nonce ${proof.nonce} was already used on stream ${id}.` });
        if (d.store.hasNonce(id, proof.nonce)) throw replayed();
        // Durable before it acts: a replay of this act, even after a restart, is a duplicate.
        const { duplicate } = await d.store.append(settleRequested({ streamId: id, nonce: proof.nonce, signer: stream.sender }, { time: nowMs() }));
        if (duplicate) throw replayed();
        if (!d.ledger.has(id)) d.ledger.track(id, { deposit: stream.deposit, metered: d.meteredTotal(id) });
        d.ledger.close(id);
        d.settleSoon(id);
        const metered = d.ledger.get(id)?.metered ?? 0n;
        return reply.status(202).send({ streamId: id.toString(), status: "settling", metered: metered.toString() });
      },
    );
  };
}

function sameBytes(raw: Uint8Array | undefined, text: string): boolean {
  const want = new TextEncoder().encode(text);
  return raw !== undefined && raw.length === want.length && raw.every((b, i) => b === want[i]);
}
