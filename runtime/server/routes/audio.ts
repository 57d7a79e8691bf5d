/**
 * POST /v1/audio/transcriptions — OpenAI's multipart form (`file`, `model`, `language`, `prompt`,
 * `response_format` json | verbose_json). The proof signs the raw multipart bytes.
 */
import type { FastifyInstance } from "fastify";
import type { TranscriptionJob } from "../../../plugins/types.ts";
import { ClawError } from "../../core/errors.ts";
import { parseMultipart } from "../body-parsers.ts";
import type { ServerContext } from "../context.ts";
import { billing, findOffering, servePaidPartial } from "./paid.ts";

function field(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

export function audioRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    app.post("/v1/audio/transcriptions", { config: { paid: true } }, async (request, reply) => {
      const contentType = request.headers["content-type"] ?? "";
      if (!contentType.startsWith("multipart/form-data") || !request.rawBody) {
        throw new ClawError("UNSUPPORTED_MEDIA_TYPE", { message: "Send the audio as multipart/form-data with a `file` field." });
      }
      const form = await parseMultipart(request.rawBody, contentType);
      const file = form.get("file");
      if (!(file instanceof Blob) || file.size === 0) throw new ClawError("VALIDATION_FAILED", { message: "The form has no `file` field with audio in it." });
      const format = field(form, "response_format") ?? "json";
      if (format !== "json" && format !== "verbose_json") {
        throw new ClawError("VALIDATION_FAILED", { message: `response_format must be json or verbose_json, not ${format}.` });
      }
      const offering = findOffering(ctx, field(form, "model"), "transcription");
      const audio = new Uint8Array(await file.arrayBuffer());
      let transcript: { text: string; language?: string; duration?: number; segments?: unknown[] } = { text: "" };
      const served = await servePaidPartial(
        ctx, request, reply, offering,
        (id) => {
          const job: TranscriptionJob = {
            task: "transcription", id, model: offering.model, audio, responseFormat: format,
            filename: (file as File).name || "audio", mimeType: file.type || "application/octet-stream",
          };
          const language = field(form, "language");
          const prompt = field(form, "prompt");
          if (language) job.language = language;
          if (prompt) job.prompt = prompt;
          return job;
        },
        (c) => {
          // A backend may transcribe in windows, one chunk each: keep every window's text,
          // segments and duration (a cut answer then holds exactly the windows delivered). A
          // window's segments are timed from its own start: shift them by the audio before it
          // (the earlier windows' durations) and number them on from the earlier ones.
          if (c.type !== "transcript") return;
          const before = transcript.duration ?? 0;
          const kept = transcript.segments ?? [];
          const added = (c.segments ?? []).map((s, i) => ({ ...s, id: kept.length + i, start: s.start + before, end: s.end + before }));
          const segments = c.segments || transcript.segments ? [...kept, ...added] : undefined;
          const duration = c.duration === undefined ? transcript.duration : (transcript.duration ?? 0) + c.duration;
          transcript = { ...c, text: transcript.text + c.text, ...(segments ? { segments } : {}), ...(duration === undefined ? {} : { duration }) };
        },
      );
      // Cut after some segments were delivered: that transcript, billed up to its last segment (core/billing.ts).
      const claw = await billing(ctx, served, { text: transcript.text });
      const cut = served.result.partial ? { finish_reason: served.result.partial.finishReason } : {};
      if (format === "json") return { text: transcript.text, ...cut, claw };
      return { task: "transcribe", language: transcript.language, duration: transcript.duration, text: transcript.text, segments: transcript.segments ?? [], ...cut, claw };
    });
  };
}
