/**
 * GET /v1/streams/:id and GET /v1/jobs/:id — what this provider's log says about a stream (deposit,
 * rate, metered so far, settled, refunded, its recent jobs) or a job, read from the live projections
 * (a job too old for the live view is read from the log).
 */
import type { FastifyInstance } from "fastify";
import { toJsonSafe } from "../../core/event-codec.ts";
import { ClawError } from "../../core/errors.ts";
import { jobKey } from "../../core/events.ts";
import { evolveJob, type JobView } from "../../core/projections/index.ts";
import type { ServerContext } from "../context.ts";

export function recordRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    app.get("/v1/streams/:id", { schema: { params: { type: "object", properties: { id: { type: "string", pattern: "^\\d{1,78}$" } } } } }, async (request) => {
      const id = BigInt((request.params as { id: string }).id);
      const stream = ctx.views.streams.get(id);
      if (!stream) throw new ClawError("UNKNOWN_STREAM", { message: `This provider has no record of stream ${id}.` });
      const jobs = [...ctx.views.jobs.values()].filter((j) => j.streamId === id);
      const budget = ctx.ledger.get(id);
      return toJsonSafe({ ...stream, reserved: budget?.reserved ?? 0n, acceptingJobs: budget ? !budget.closed : false, jobs });
    });
    app.get("/v1/jobs/:id", { schema: { params: { type: "object", properties: { id: { type: "string", minLength: 1, maxLength: 64 } } } } }, async (request) => {
      const id = (request.params as { id: string }).id;
      // The live view keeps recent jobs only (provider/recover.ts); older ones are read from the log.
      const job = ctx.views.jobs.get(id) ?? ctx.store.readByKey(jobKey(id)).reduce<JobView | undefined>(evolveJob, undefined);
      if (!job) throw new ClawError("UNKNOWN_JOB", { message: `This provider has no job ${id}.` });
      return toJsonSafe(job);
    });
  };
}
