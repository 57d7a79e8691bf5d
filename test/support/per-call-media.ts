/**
 * Test backends that deliver media in pieces, built on the REAL diffusion and whisper plugins (and
 * so on the fake A1111 / OpenAI-audio servers of plugins/testing, which speak backends.md):
 * - `perImageDiffusion`: n images as n one-image txt2img calls (seed, seed + 1, …), each image
 *   yielded as soon as its call answers;
 * - `chunkedWhisper`: the audio in `parts` byte ranges, one transcription call per range, each
 *   transcript yielded as it arrives (how long recordings are transcribed in windows).
 * With them a job can be cut by its budget, or see its backend fail, AFTER some output was
 * delivered — the rows of the README's billing table the one-call plugins never reach.
 * Loaded by file path (`backend: perCallMediaPath.image`); test-only code.
 */
import { fileURLToPath } from "node:url";
import diffusion from "../../plugins/diffusion/index.ts";
import whisper from "../../plugins/whisper/index.ts";
import { definePlugin } from "../../plugins/sdk.ts";
import type { Chunk } from "../../plugins/types.ts";

export const perCallMediaPath = {
  image: fileURLToPath(new URL("./per-call-image.ts", import.meta.url)),
  audio: fileURLToPath(new URL("./per-call-audio.ts", import.meta.url)),
};

export const perImageDiffusion = definePlugin({
  name: "per-image-diffusion",
  kind: "image",
  description: "Test: n images as n one-image calls to a diffusion server.",
  options: diffusion.options,
  async create(opts, ctx) {
    const inner = await diffusion.create(opts, ctx);
    return {
      health: (signal) => inner.health(signal),
      models: (signal) => inner.models(signal),
      async *infer(job, signal): AsyncGenerator<Chunk> {
        if (job.task !== "image") throw new Error(`cannot do ${job.task}`);
        for (let i = 0; i < (job.n ?? 1); i++) {
          for await (const c of inner.infer({ ...job, n: 1, seed: (job.seed ?? 1000) + i }, signal)) if (c.type === "image") yield c;
        }
      },
    };
  },
});

export const chunkedWhisper = definePlugin({
  name: "chunked-whisper",
  kind: "audio",
  description: "Test: the audio in two byte ranges, one transcription call each.",
  options: whisper.options,
  async create(opts, ctx) {
    const inner = await whisper.create(opts, ctx);
    return {
      health: (signal) => inner.health(signal),
      models: (signal) => inner.models(signal),
      async *infer(job, signal): AsyncGenerator<Chunk> {
        if (job.task !== "transcription") throw new Error(`cannot do ${job.task}`);
        const half = Math.ceil(job.audio.length / 2);
        for (const audio of [job.audio.subarray(0, half), job.audio.subarray(half)]) {
          for await (const c of inner.infer({ ...job, audio }, signal)) if (c.type === "transcript") yield c;
        }
      },
    };
  },
});
