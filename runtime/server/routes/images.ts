/**
 * POST /v1/images/generations — the OpenAI images body; answers `{ created, data: [{ b64_json }] }`
 * (PNG bytes, base64) with the backend's generation info and the billing facts.
 */
import { Buffer } from "node:buffer";
import type { FastifyInstance } from "fastify";
import type { ImageJob } from "../../../plugins/types.ts";
import type { ServerContext } from "../context.ts";
import { billing, findOffering, servePaidPartial } from "./paid.ts";

const imageBody = {
  type: "object",
  required: ["prompt"],
  properties: {
    prompt: { type: "string", minLength: 1 },
    model: { type: "string", minLength: 1, maxLength: 128 },
    n: { type: "integer", minimum: 1, maximum: 4 },
    size: { type: "string", pattern: "^\\d{2,4}x\\d{2,4}$" },
    negative_prompt: { type: "string" },
    steps: { type: "integer", minimum: 1, maximum: 150 },
    seed: { type: "integer" },
    response_format: { enum: ["b64_json"] },
  },
} as const;

type ImageBody = { prompt: string; model?: string; n?: number; size?: string; negative_prompt?: string; steps?: number; seed?: number };

export function imageRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    app.post("/v1/images/generations", { config: { paid: true }, schema: { body: imageBody } }, async (request, reply) => {
      const body = request.body as ImageBody;
      const offering = findOffering(ctx, body.model, "image");
      const images: Array<{ b64_json: string; info?: unknown }> = [];
      const pngs: Uint8Array[] = [];
      const served = await servePaidPartial(
        ctx, request, reply, offering,
        (id) => {
          const job: ImageJob = { task: "image", id, model: offering.model, prompt: body.prompt };
          if (body.n !== undefined) job.n = body.n;
          if (body.size !== undefined) job.size = body.size;
          if (body.negative_prompt !== undefined) job.negativePrompt = body.negative_prompt;
          if (body.steps !== undefined) job.steps = body.steps;
          if (body.seed !== undefined) job.seed = body.seed;
          return job;
        },
        (c) => {
          if (c.type !== "image") return;
          pngs.push(c.png);
          images.push({ b64_json: Buffer.from(c.png).toString("base64"), ...(c.info === undefined ? {} : { info: c.info }) });
        },
      );
      // Cut after some images were delivered: those images, billed up to the last one (core/billing.ts).
      const { partial } = served.result;
      return {
        created: Math.floor(Date.now() / 1000), data: images, ...(partial ? { finish_reason: partial.finishReason } : {}),
        claw: await billing(ctx, served, { images: pngs }),
      };
    });
  };
}
