/**
 * The payment guard: decides, before any work is done, whether a request is paid for. In order:
 * proof headers -> deadline -> body hash -> stream on chain (cache or one read) -> recipient,
 * offering, rate, liveness -> signature by the sender -> nonce unused -> budget reserved ->
 * JobAccepted appended (durable; a duplicate (stream, nonce) there is a replay). Any refusal throws
 * a ClawError; the server's error handler appends the JobRejected event and answers.
 *
 * On a log several instances share (PostgreSQL), the append is `admitJob`: the nonce and one of the
 * stream's floor(rate / price) slots are decided in the database in the JobAccepted's transaction,
 * so a nonce is served once and a stream's slots hold across every instance (runtime/provider/scale-out.ts).
 */
import type { Address, Hex } from "viem";
import { ClawError } from "../../core/errors.ts";
import { jobAccepted } from "../../core/events.ts";
import { bodyHashOf } from "../../core/payment.ts";
import { parallelSlots } from "../../core/admission.ts";
import { assertStreamPays, type OnChainStream } from "../../core/stream.ts";
import type { BudgetLedger, Reservation } from "../../scheduler/budget-ledger.ts";
import { markVerifiedRefusal } from "../refusals.ts";
import { parsePaymentProof, type RequestTarget } from "./parse-proof.ts";
import type { ProofVerifier } from "./verify-proof.ts";
import { newJobId } from "../../core/job-id.ts";

export type StreamSource = { get(streamId: bigint): Promise<OnChainStream | null> };

/** One of a stream's parallel slots held in a shared database (several instances); released when the job ends. */
export type HeldSlot = { release(): Promise<void> };

/**
 * What a JobAccepted append answers: `duplicate` when that (stream, nonce) is already in the log (a
 * replay, whichever instance served it); `busy` when, on a log shared by several instances, every one
 * of the stream's slots is held (nothing was written); `slot` the shared slot taken with it.
 */
export type AcceptOutcome = { duplicate: boolean; busy?: { inUse: number; capacity: number }; slot?: HeldSlot };

export type AdmissionStore = {
  /**
   * Durable append (group-committed), in one transaction with the nonce check and, on a shared log,
   * with one of the stream's `capacity` slots (floor(rate / price)) held until `holdUntilMs`.
   */
  append(e: ReturnType<typeof jobAccepted>, slot?: { capacity: number; holdUntilMs: number }): Promise<AcceptOutcome>;
  hasNonce(streamId: bigint, nonce: bigint): boolean | Promise<boolean>;
  meteredTotal(streamId: bigint): bigint;
  /** Jobs other instances run on the stream now (shared log only), counted against its slots. */
  foreignJobs?(streamId: bigint): number;
};

/** How long a request refused a shared slot waits before asking the database again. */
const BUSY_RETRY_MS = 100;

export type AdmittedOffering = { model: string; providerId: bigint; pricePerSecond: bigint; maxJobMs: number };

export type Admission = {
  jobId: string;
  streamId: bigint;
  nonce: bigint;
  /** keccak256 of the exact request body bytes (what the proof signed; the job receipt's requestHash). */
  bodyHash: Hex;
  signer: Address;
  stream: OnChainStream;
  reservation: Reservation;
  acceptedAt: number;
  /** Set on a shared log: the stream slot this job holds in the database until it ends. */
  slot?: HeldSlot;
};

export type AdmitDeps = {
  wallet: Address;
  streams: StreamSource;
  verifier: ProofVerifier;
  ledger: BudgetLedger;
  store: AdmissionStore;
  minJobMs: number;
  nowMs?: () => number;
};

/**
 * @example
 * const admit = createAdmitter(deps);
 * const admission = await admit(request.headers, request.rawBody, offering, "chat", { method: request.method, path: request.url });
 */
export function createAdmitter(deps: AdmitDeps) {
  const nowMs = deps.nowMs ?? Date.now;
  return async function admit(
    headers: Record<string, string | string[] | undefined>,
    rawBody: Uint8Array | undefined,
    offering: AdmittedOffering,
    task: string,
    target: RequestTarget,
  ): Promise<Admission> {
    const proof = parsePaymentProof(headers, target);
    const now = nowMs();
    const nowSeconds = BigInt(Math.floor(now / 1000));
    if (proof.deadline < nowSeconds) {
      throw new ClawError("DEADLINE_EXPIRED", { message: `The proof's deadline ${proof.deadline} is before now (${nowSeconds}).`, details: { streamId: proof.streamId.toString() } });
    }
    const bodyHash: Hex = bodyHashOf(rawBody ?? new Uint8Array());
    if (proof.claimedBodyHash !== undefined && proof.claimedBodyHash !== bodyHash) {
      throw new ClawError("BODY_HASH_MISMATCH", { message: `The body hashes to ${bodyHash}, not to the signed ${proof.claimedBodyHash}.` });
    }
    const stream = assertStreamPays(
      await deps.streams.get(proof.streamId),
      { wallet: deps.wallet, providerId: offering.providerId, pricePerSecond: offering.pricePerSecond },
      nowSeconds,
    );
    await deps.verifier.verify(proof, bodyHash, stream.sender, nowSeconds);
    // From here on the request is the stream sender's: its refusals go into the log (server/refusals.ts).
    try {
      return await admitVerified(proof, bodyHash, stream, offering, task, now);
    } catch (err) {
      throw markVerifiedRefusal(err, proof.streamId);
    }
  };

  async function admitVerified(
    proof: ReturnType<typeof parsePaymentProof>, bodyHash: Hex, stream: OnChainStream, offering: AdmittedOffering, task: string, now: number,
  ): Promise<Admission> {
    const replayed = () => new ClawError("NONCE_REPLAYED", { message: `Nonce ${proof.nonce} was already used on stream ${proof.streamId}.` });
    if (await deps.store.hasNonce(proof.streamId, proof.nonce)) throw replayed();
    deps.ledger.track(proof.streamId, {
      deposit: stream.deposit, metered: deps.store.meteredTotal(proof.streamId), startTime: stream.startTime, duration: stream.duration,
      ...(deps.store.foreignJobs ? { activeJobs: deps.store.foreignJobs(proof.streamId) } : {}),
    });
    const jobId = newJobId(now);
    const untilMs = Math.min(Number(proof.deadline) * 1000, now + offering.maxJobMs);
    const accepted = jobAccepted(
      {
        jobId, streamId: proof.streamId, offering: offering.model, providerId: offering.providerId, nonce: proof.nonce,
        bodyHash, signer: stream.sender, pricePerSecond: offering.pricePerSecond, task,
      },
      { time: now },
    );
    for (;;) {
      // Admission (core/admission.ts): a free parallel slot (floor(rate / price)), money, time before
      // end − margin. A request beyond the slots waits for one until its proof's deadline (at most
      // one max job), then is refused STREAM_BUSY.
      const reservation = await deps.ledger.reserveWhenFree(
        proof.streamId, jobId,
        { pricePerSecond: offering.pricePerSecond, minJobMs: deps.minJobMs, maxJobMs: offering.maxJobMs },
        { untilMs },
      );
      // No leak: whatever fails from here on releases the reservation before the refusal is answered.
      let outcome: AcceptOutcome;
      try {
        outcome = await deps.store.append(accepted, {
          capacity: parallelSlots(stream, offering.pricePerSecond), holdUntilMs: reservation.reservedAtMs + reservation.ms,
        });
      } catch (err) {
        deps.ledger.end(reservation, 0n);
        throw err;
      }
      if (!outcome.duplicate && !outcome.busy) {
        return {
          jobId, streamId: proof.streamId, nonce: proof.nonce, bodyHash, signer: stream.sender, stream, reservation, acceptedAt: now,
          ...(outcome.slot ? { slot: outcome.slot } : {}),
        };
      }
      deps.ledger.end(reservation, 0n);
      if (outcome.duplicate) throw replayed();
      // Shared log: other instances hold every slot of the stream (this one's count lags theirs by
      // a poll). Ask again shortly, until the same deadline as a local wait.
      const left = untilMs - nowMs();
      if (left <= 0) {
        throw new ClawError("STREAM_BUSY", {
          message: `Stream ${proof.streamId} runs ${outcome.busy!.inUse} job(s) at once across this provider's instances, all its rate pays for (floor(rate / price)); none ended before this request's deadline. Send fewer requests at once or open a stream with a higher rate.`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(BUSY_RETRY_MS, left)));
    }
  }
}
