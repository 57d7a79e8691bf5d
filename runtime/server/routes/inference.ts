/**
 * POST /v1/inference (also /inference, the seed's path): `{ prompt, model }` in, the whole answer out
 * with the billing facts. `model` may be left out when this runtime serves one text offering.
 */
import type { FastifyInstance } from "fastify";
import type { CompletionJob } from "../../../plugins/types.ts";
import type { ServerContext } from "../context.ts";
import { billing, findOffering, servePaidPartial } from "./paid.ts";

const inferenceBody = {
  type: "object",
  required: ["prompt"],
  properties: {
    prompt: { type: "string", minLength: 1 },
    model: { type: "string", minLength: 1, maxLength: 128 },
    max_tokens: { type: "integer", minimum: 1 },
    temperature: { type: "number", minimum: 0, maximum: 2 },
  },
} as const;

type InferenceBody = { prompt: string; model?: string; max_tokens?: number; temperature?: number };

export function inferenceRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    for (const url of ["/v1/inference", "/inference"]) {
      app.post(url, { config: { paid: true }, schema: { body: inferenceBody } }, async (request, reply) => {
        const body = request.body as InferenceBody;
        const offering = findOffering(ctx, body.model, "completion");
        let text = "";
        const served = await servePaidPartial(
          ctx, request, reply, offering,
          (id) => {
            const job: CompletionJob = { task: "completion", id, model: offering.model, prompt: body.prompt };
            if (body.max_tokens !== undefined) job.maxTokens = body.max_tokens;
            if (body.temperature !== undefined) job.temperature = body.temperature;
            return job;
          },
          (c) => {
            if (c.type === "text") text += c.text;
          },
        );
        // A job cut by its budget or a backend failure after output answers what was delivered (200),
        // with why it ended in finish_reason and claw.partial, billed exactly for it (core/billing.ts).
        const { result } = served;
        return {
          response: text,
          model: offering.model,
          finish_reason: result.partial?.finishReason ?? result.usage.finishReason ?? "stop",
          usage: { promptTokens: result.usage.promptTokens ?? null, completionTokens: result.usage.completionTokens ?? null },
          claw: await billing(ctx, served, { text }),
        };
      });
    }
  };
}
