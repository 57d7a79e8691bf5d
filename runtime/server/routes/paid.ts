/**
 * The shared path of every paid route: find the offering, pass the payment guard, run the job with
 * the consumer's disconnect wired to an AbortSignal, and hand the chunks to the route's writer.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Chunk, InferenceJob, Task } from "../../../plugins/types.ts";
import { ClawError } from "../../core/errors.ts";
import { outputDigest, receiptToWire, type DeliveredOutput } from "../../core/receipt.ts";
import { JobEndedError, type JobResult } from "../../scheduler/run-job.ts";
import type { Admission } from "../guard/admit.ts";
import type { ServedOffering, ServerContext } from "../context.ts";

/** The offering for `model` that can do `task` (the first one that can, when no model is named). */
export function findOffering(ctx: ServerContext, model: string | undefined, task?: Task): ServedOffering {
  const can = (o: ServedOffering) => !task || o.tasks.includes(task);
  const offering = model === undefined ? [...ctx.offerings.values()].find(can) : ctx.offerings.get(model);
  if (!offering || !can(offering)) {
    const served = [...ctx.offerings.values()].filter(can).map((o) => o.model);
    throw new ClawError("UNKNOWN_MODEL", {
      message: `No offering here serves ${task ?? ""} for model "${model ?? "(none)"}"; served: ${served.join(", ") || "none"}.`,
      details: { models: served },
    });
  }
  return offering;
}

/** An AbortSignal that fires when the consumer goes away before the response is finished. */
export function consumerGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new ClawError("JOB_ABORTED", { message: "The consumer disconnected." }));
  });
  return controller.signal;
}

/** A served paid job: its admission, billing, offering and time to first output (ms from admission; 0 when none). */
export type ServedJob = { admission: Admission; result: JobResult; offering: ServedOffering; ttftMs: number };

/** What a job run tracks while it runs, so a job that ends in an error can still be billed and receipted. */
type Tracking = { admission?: Admission; firstOutputAt?: number };

const ttftOf = (t: Tracking, admission: Admission) => (t.firstOutputAt === undefined ? 0 : Math.max(0, t.firstOutputAt - admission.acceptedAt));

/**
 * @example
 * const served = await servePaid(ctx, request, reply, offering, job, (chunk) => parts.push(chunk));
 * return { ...answer, claw: await billing(ctx, served, { text }) };
 */
export async function servePaid(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  offering: ServedOffering,
  makeJob: (jobId: string) => InferenceJob,
  onChunk: (chunk: Chunk, admission: Admission) => void,
  onAdmitted?: (admission: Admission) => void,
  tracking: Tracking = {},
): Promise<ServedJob> {
  const job0 = makeJob("pending");
  // Watch for the consumer leaving from the start: a request waiting for one of its stream's
  // parallel slots may be abandoned before it is admitted, and must then not run.
  const gone = consumerGone(reply);
  const admission = await ctx.admit(request.headers, request.rawBody, offering, job0.task, { method: request.method, path: request.url });
  tracking.admission = admission;
  request.clawAdmitted = true;
  reply.header("x-claw-job", admission.jobId);
  // The capability to watch this job's chunks over /v1/ws: only the payer sees this response (job-chunks.ts).
  reply.raw.setHeader("x-claw-watch", ctx.jobChunks.watchToken(admission.jobId));
  onAdmitted?.(admission);
  const job = { ...job0, id: admission.jobId };
  try {
    const result = await ctx.runJob(admission, offering, job, {
      signal: gone,
      onChunk: (chunk) => {
        tracking.firstOutputAt ??= Date.now();
        ctx.jobChunks.publish(admission.jobId, chunk);
        onChunk(chunk, admission);
      },
    });
    ctx.jobChunks.publish(admission.jobId, { type: "end", cost: result.cost.toString() });
    return { admission, result, offering, ttftMs: ttftOf(tracking, admission) };
  } catch (err) {
    ctx.jobChunks.publish(admission.jobId, { type: "error", code: (err as ClawError).code ?? "INTERNAL" });
    throw err;
  }
}

/**
 * Pay only for what was received: like servePaid, but a job cut by its budget or by a backend (or
 * shutdown) failure AFTER it delivered output resolves with what was delivered: `result.partial`
 * says why it ended and with which finish reason ("length" for a budget cut, "error" otherwise), and
 * the billing is exactly that job's (core/billing.ts). Any other failure still throws; one that was
 * billed all the same (the backend refused the request itself) throws with the job's receipted
 * billing in `error.claw` (`delivered` tells what the consumer got: nothing, or what `onAdmitted` sent).
 * For every paid answer (inference, images, transcriptions, chat streamed or not).
 * @example
 * const served = await servePaidPartial(ctx, request, reply, offering, makeJob, (c) => { text += c.text; });
 * return { response: text, finish_reason: served.result.partial?.finishReason ?? "stop", claw: await billing(ctx, served, { text }) };
 */
export async function servePaidPartial(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  offering: ServedOffering,
  makeJob: (jobId: string) => InferenceJob,
  onChunk: (chunk: Chunk, admission: Admission) => void,
  onAdmitted?: (admission: Admission) => void,
): Promise<ServedJob> {
  const tracking: Tracking = {};
  try {
    return await servePaid(ctx, request, reply, offering, makeJob, onChunk, onAdmitted, tracking);
  } catch (err) {
    const admission = tracking.admission;
    if (!admission || !(err instanceof JobEndedError)) throw err;
    const served = { admission, result: err.result, offering, ttftMs: ttftOf(tracking, admission) };
    if (err.result.partial) return served;
    if (err.result.cost === 0n) throw err;
    // Billed without an answer: the error the consumer gets carries the billing and its receipt.
    throw new ClawError(err.code, { message: err.message, details: { ...err.details, claw: await billing(ctx, served, {}) }, cause: err });
  }
}

/**
 * The billing facts every paid response carries (as `claw` in JSON bodies, the last SSE chunk):
 * `partial` when the answer was cut, and `receipt`, the job's receipt signed by the provider's
 * wallet (core/receipt.ts) over what was billed and the digest of `delivered`, exactly what the
 * consumer receives. One signature per job: call it once, when the answer is complete.
 * `cumulativeCost` is the stream's metered total in the log once this job's ending is appended
 * (it includes other jobs of the stream that ended before it).
 * @example
 * const claw = await billing(ctx, served, { text: answer.text, toolCalls });
 */
export async function billing(ctx: ServerContext, served: ServedJob, delivered: DeliveredOutput) {
  const { admission, result } = served;
  const receipt = await ctx.receipts.sign({
    streamId: admission.streamId, nonce: admission.nonce, requestHash: admission.bodyHash, jobId: admission.jobId, model: served.offering.model,
    meteredMs: BigInt(result.meteredMs), cost: result.cost, cumulativeCost: ctx.views.streams.get(admission.streamId)?.metered ?? result.cost,
    ttftMs: BigInt(served.ttftMs), outputHash: outputDigest(delivered),
  });
  return {
    jobId: admission.jobId,
    streamId: admission.streamId.toString(),
    meteredMs: result.meteredMs,
    cost: result.cost.toString(),
    pricePerSecond: admission.reservation.pricePerSecond.toString(),
    ...(result.partial ? { partial: { code: result.partial.code, message: result.partial.message } } : {}),
    receipt: receiptToWire(receipt),
  };
}
