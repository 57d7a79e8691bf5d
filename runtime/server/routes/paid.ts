/**
 * The shared path of every paid route: find the offering, pass the payment guard, run the job with
 * the consumer's disconnect wired to an AbortSignal, and hand the chunks to the route's writer.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Chunk, InferenceJob, Task } from "../../../plugins/types.ts";
import { ClawError } from "../../core/errors.ts";
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

/**
 * @example
 * const { admission, result } = await servePaid(ctx, request, reply, offering, job, (chunk) => parts.push(chunk));
 */
export async function servePaid(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  offering: ServedOffering,
  makeJob: (jobId: string) => InferenceJob,
  onChunk: (chunk: Chunk, admission: Admission) => void,
  onAdmitted?: (admission: Admission) => void,
): Promise<{ admission: Admission; result: JobResult }> {
  const job0 = makeJob("pending");
  // Watch for the consumer leaving from the start: a request waiting for one of its stream's
  // parallel slots may be abandoned before it is admitted, and must then not run.
  const gone = consumerGone(reply);
  const admission = await ctx.admit(request.headers, request.rawBody, offering, job0.task, { method: request.method, path: request.url });
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
        ctx.jobChunks.publish(admission.jobId, chunk);
        onChunk(chunk, admission);
      },
    });
    ctx.jobChunks.publish(admission.jobId, { type: "end", cost: result.cost.toString() });
    return { admission, result };
  } catch (err) {
    ctx.jobChunks.publish(admission.jobId, { type: "error", code: (err as ClawError).code ?? "INTERNAL" });
    throw err;
  }
}

/**
 * Pay only for what was received: like servePaid, but a job cut by its budget or by a backend (or
 * shutdown) failure AFTER it delivered output resolves with what was delivered: `result.partial`
 * says why it ended and with which finish reason ("length" for a budget cut, "error" otherwise), and
 * the billing is exactly that job's (core/billing.ts). Any other failure still throws.
 * For non-streaming answers (inference, images, transcriptions, non-streaming chat).
 * @example
 * const { admission, result } = await servePaidPartial(ctx, request, reply, offering, makeJob, (c) => { text += c.text; });
 * return { response: text, finish_reason: result.partial?.finishReason ?? "stop", claw: billing(admission, result) };
 */
export async function servePaidPartial(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  offering: ServedOffering,
  makeJob: (jobId: string) => InferenceJob,
  onChunk: (chunk: Chunk, admission: Admission) => void,
): Promise<{ admission: Admission; result: JobResult }> {
  let admitted: Admission | undefined;
  try {
    return await servePaid(ctx, request, reply, offering, makeJob, onChunk, (a) => {
      admitted = a;
    });
  } catch (err) {
    if (admitted && err instanceof JobEndedError && err.result.partial) return { admission: admitted, result: err.result };
    throw err;
  }
}

/** The billing facts every paid response carries (as `claw` in JSON bodies); `partial` when the answer was cut. */
export function billing(admission: Admission, result: JobResult) {
  return {
    jobId: admission.jobId,
    streamId: admission.streamId.toString(),
    meteredMs: result.meteredMs,
    cost: result.cost.toString(),
    pricePerSecond: admission.reservation.pricePerSecond.toString(),
    ...(result.partial ? { partial: { code: result.partial.code, message: result.partial.message } } : {}),
  };
}
