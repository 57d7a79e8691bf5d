/**
 * POST /v1/chat/completions — the OpenAI body and response; `stream: true` answers with OpenAI
 * chunks over SSE, the last one carrying `usage` and the `claw` billing facts, then `data: [DONE]`.
 */
import type { FastifyInstance } from "fastify";
import type { ChatJob } from "../../../plugins/types.ts";
import { toClawError } from "../error-handler.ts";
import type { ServerContext } from "../context.ts";
import { billing, findOffering, servePaid } from "./paid.ts";

const chatBody = {
  type: "object",
  required: ["model", "messages"],
  properties: {
    model: { type: "string", minLength: 1, maxLength: 128 },
    messages: {
      type: "array",
      minItems: 1,
      items: { type: "object", required: ["role", "content"], properties: { role: { enum: ["system", "user", "assistant", "tool"] }, content: { type: "string" } } },
    },
    stream: { type: "boolean" },
    max_tokens: { type: "integer", minimum: 1 },
    max_completion_tokens: { type: "integer", minimum: 1 },
    temperature: { type: "number", minimum: 0, maximum: 2 },
    top_p: { type: "number", minimum: 0, maximum: 1 },
    stop: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
    seed: { type: "integer" },
  },
} as const;

type ChatBody = {
  model: string;
  messages: ChatJob["messages"];
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  seed?: number;
};

export function toChatJob(b: ChatBody, id: string): ChatJob {
  const job: ChatJob = { task: "chat", id, model: b.model, messages: b.messages };
  const maxTokens = b.max_completion_tokens ?? b.max_tokens;
  if (maxTokens !== undefined) job.maxTokens = maxTokens;
  if (b.temperature !== undefined) job.temperature = b.temperature;
  if (b.top_p !== undefined) job.topP = b.top_p;
  if (b.stop !== undefined) job.stop = Array.isArray(b.stop) ? b.stop : [b.stop];
  if (b.seed !== undefined) job.seed = b.seed;
  return job;
}

export function chatRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    app.post("/v1/chat/completions", { config: { paid: true }, schema: { body: chatBody } }, async (request, reply) => {
      const body = request.body as ChatBody;
      const offering = findOffering(ctx, body.model, "chat");
      const created = Math.floor(Date.now() / 1000);
      const base = (id: string) => ({ id: `chatcmpl-${id}`, created, model: body.model, system_fingerprint: "clawcompute" });
      if (!body.stream) {
        let text = "";
        const { admission, result } = await servePaid(ctx, request, reply, offering, (id) => toChatJob(body, id), (c) => {
          if (c.type === "text") text += c.text;
        });
        const u = result.usage;
        return {
          ...base(admission.jobId),
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: text }, logprobs: null, finish_reason: u.finishReason ?? "stop" }],
          usage: { prompt_tokens: u.promptTokens ?? 0, completion_tokens: u.completionTokens ?? 0, total_tokens: u.totalTokens ?? (u.promptTokens ?? 0) + (u.completionTokens ?? 0) },
          claw: billing(admission, result),
        };
      }
      let opened = false;
      const send = (obj: unknown) => reply.raw.write(`data: ${JSON.stringify(obj)}\n\n`);
      const open = (jobId: string) => {
        if (opened) return;
        opened = true;
        reply.hijack();
        reply.raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-claw-job": jobId });
        send({ ...base(jobId), object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] });
      };
      try {
        const { admission, result } = await servePaid(
          ctx, request, reply, offering, (id) => toChatJob(body, id),
          (c, a) => {
            if (c.type !== "text") return;
            open(a.jobId);
            send({ ...base(a.jobId), object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: c.text }, logprobs: null, finish_reason: null }] });
          },
          (a) => open(a.jobId),
        );
        const u = result.usage;
        send({ ...base(admission.jobId), object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: u.finishReason ?? "stop" }] });
        send({
          ...base(admission.jobId), object: "chat.completion.chunk", choices: [],
          usage: { prompt_tokens: u.promptTokens ?? 0, completion_tokens: u.completionTokens ?? 0, total_tokens: u.totalTokens ?? (u.promptTokens ?? 0) + (u.completionTokens ?? 0) },
          claw: billing(admission, result),
        });
        reply.raw.end("data: [DONE]\n\n");
      } catch (err) {
        if (!opened) throw err;
        if (!reply.raw.writableEnded && !reply.raw.destroyed) {
          send(toClawError(err).toJSON());
          reply.raw.end("data: [DONE]\n\n");
        }
      }
    });
  };
}
