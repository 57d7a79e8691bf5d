/**
 * POST /v1/chat/completions — the OpenAI body and response, with content parts, images (data:
 * URLs), tools and tool calls, and JSON output. The body is read and checked (chat-request.ts),
 * the offering found and its capabilities checked in the route's preValidation hook: it runs
 * before any preHandler and before the handler's payment guard, so a refused request consumes no
 * nonce and bills nothing. `stream: true` answers with OpenAI chunks over SSE; the last data event
 * before `data: [DONE]` carries `usage` and the `claw` billing facts with the provider-signed
 * receipt (its own `choices: []` chunk when `stream_options.include_usage` asked for it, else on the
 * finish_reason chunk, where the official client ignores it). An answer cut by its budget ends like a
 * whole one with finish_reason "length" and `claw.partial` (streamed too); one cut by a backend
 * failure after output is, non-streamed, the partial answer with finish_reason "error", streamed,
 * the error event (so OpenAI clients see the failure) with the same `claw` beside `error`. Either way
 * it is billed and receipted exactly for what was delivered; an SSE event that carries `claw` is the
 * answer's billing, whatever else it holds.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ChatJob } from "../../../plugins/types.ts";
import { ClawError, type ErrorCode } from "../../core/errors.ts";
import { missingCapability } from "../../../plugins/lib/capabilities.ts";
import { toClawError } from "../error-handler.ts";
import type { ServedOffering, ServerContext } from "../context.ts";
import { billing, findOffering, servePaidPartial } from "./paid.ts";
import { readChatRequest, type ChatRequest } from "./chat-request.ts";
import { ChatAnswer, openaiUsageOf } from "./chat-response.ts";

/** The request as read in preValidation (a WeakMap: nothing is added to Fastify's request type). */
const readRequests = new WeakMap<FastifyRequest, { chat: ChatRequest; offering: ServedOffering }>();

const toChatJob = (chat: ChatRequest, id: string): ChatJob => ({ ...chat.job, id });

/** What the consumer received, for the receipt's output digest (tool calls in their delivered order). */
const deliveredOf = (out: ChatAnswer) => ({ text: out.text, toolCalls: out.calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })) });

export function chatRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    const preValidation = async (request: FastifyRequest) => {
      const chat = readChatRequest(request.body);
      const offering = findOffering(ctx, chat.model, "chat");
      const missing = missingCapability(chat.job, offering.backend.capabilities, `The offering "${offering.model}" (backend ${offering.plugin})`);
      if (missing) throw missing;
      readRequests.set(request, { chat, offering });
    };
    app.post("/v1/chat/completions", { config: { paid: true }, preValidation }, async (request, reply) => {
      const { chat, offering } = readRequests.get(request)!;
      const created = Math.floor(Date.now() / 1000);
      const base = (id: string) => ({ id: `chatcmpl-${id}`, created, model: chat.model, system_fingerprint: "clawcompute" });
      let answer: ChatAnswer | undefined;
      const answerFor = (jobId: string) => (answer ??= new ChatAnswer(jobId));
      if (!chat.stream) {
        // Cut by its budget or by a backend failure after output, the job still answers what was
        // delivered (finish_reason "length" / "error", claw.partial), billed exactly for it.
        const served = await servePaidPartial(ctx, request, reply, offering, (id) => toChatJob(chat, id), (c, a) => {
          if (c.type === "text") answerFor(a.jobId).addText(c.text);
          else if (c.type === "tool_call") answerFor(a.jobId).addToolCall(c);
        });
        const { admission, result } = served;
        const out = answerFor(admission.jobId);
        return {
          ...base(admission.jobId),
          object: "chat.completion",
          choices: [{ index: 0, message: out.message(), logprobs: null, finish_reason: out.finishReason(result.usage, result.partial?.finishReason) }],
          usage: openaiUsageOf(result.usage),
          claw: await billing(ctx, served, deliveredOf(out)),
        };
      }
      let opened = false;
      const send = (obj: unknown) => reply.raw.write(`data: ${JSON.stringify(obj)}\n\n`);
      const chunk = (jobId: string, delta: unknown, finish: string | null = null, extra: object = {}) =>
        send({ ...base(jobId), object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
      const open = (jobId: string) => {
        if (opened) return;
        opened = true;
        reply.hijack();
        // Hijacked: the headers set on the reply so far (CORS on a cross-origin request) are copied here or never sent.
        for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
        reply.raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-claw-job": jobId });
        chunk(jobId, { role: "assistant", content: "" });
      };
      try {
        const served = await servePaidPartial(
          ctx, request, reply, offering, (id) => toChatJob(chat, id),
          (c, a) => {
            if (c.type !== "text" && c.type !== "tool_call") return;
            open(a.jobId);
            const out = answerFor(a.jobId);
            if (c.type === "text") return void chunk(a.jobId, { content: out.addText(c.text) });
            const delta = out.addToolCall(c);
            if (delta) chunk(a.jobId, { tool_calls: [delta] });
          },
          (a) => open(a.jobId),
        );
        const { admission, result } = served;
        const id = admission.jobId;
        const facts = { usage: openaiUsageOf(result.usage), claw: await billing(ctx, served, deliveredOf(answerFor(id))) };
        if (result.partial?.finishReason === "error") {
          send({ ...new ClawError(result.partial.code as ErrorCode, { message: result.partial.message }).toJSON(), claw: facts.claw });
          return void reply.raw.end("data: [DONE]\n\n");
        }
        const finish = answerFor(id).finishReason(result.usage, result.partial?.finishReason);
        if (chat.includeUsage) {
          chunk(id, {}, finish);
          send({ ...base(id), object: "chat.completion.chunk", choices: [], ...facts });
        } else chunk(id, {}, finish, facts);
        reply.raw.end("data: [DONE]\n\n");
      } catch (err) {
        if (!opened) throw err;
        if (!reply.raw.writableEnded && !reply.raw.destroyed) {
          // A billed failure (servePaidPartial put its receipted billing in details.claw) keeps the SSE rule: `claw` beside `error`.
          const error = toClawError(err);
          const claw = error.details?.claw;
          send({ ...error.toJSON(), ...(claw ? { claw } : {}) });
          reply.raw.end("data: [DONE]\n\n");
        }
      }
    });
  };
}
