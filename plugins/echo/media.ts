/**
 * The echo backend's image and transcription tasks: deterministic stand-ins (a generated pattern
 * PNG, a transcript describing the uploaded bytes), cheap enough for tests and demos.
 */
import { usageChunk } from "../lib/usage.ts";
import type { Chunk, ImageJob, TranscriptionJob } from "../types.ts";
import { fnv1a, patternPng } from "./png.ts";

const maxSide = 1024;

function imageSize(job: ImageJob): { width: number; height: number } {
  const [w, h] = (job.size ?? "64x64").split("x").map((v) => Number.parseInt(v, 10));
  const clamp = (v: number | undefined): number => Math.min(maxSide, Math.max(1, Number.isFinite(v) ? v! : 64));
  return { width: clamp(job.width ?? w), height: clamp(job.height ?? h) };
}

/**
 * One generated PNG per requested image; the pattern depends on the prompt and the seed only.
 *
 * @example for await (const c of echoImages({ task: "image", id: "1", model: "echo", prompt: "fox" })) ...
 */
export async function* echoImages(job: ImageJob): AsyncGenerator<Chunk> {
  const { width, height } = imageSize(job);
  const baseSeed = job.seed ?? fnv1a(job.prompt);
  for (let i = 0; i < (job.n ?? 1); i++) {
    const seed = (baseSeed + i) >>> 0;
    const png = await patternPng(width, height, fnv1a(`${job.prompt}\u0000${seed}`));
    yield { type: "image", png, mimeType: "image/png", info: { generator: "echo test backend", prompt: job.prompt, seed, width, height } };
  }
  yield usageChunk({ finishReason: "stop" });
}

/** Seconds of audio in a PCM WAV file, read from its header; undefined for other formats. */
export function wavSeconds(audio: Uint8Array): number | undefined {
  const ascii = (at: number): string => String.fromCharCode(...audio.subarray(at, at + 4));
  if (audio.length < 44 || ascii(0) !== "RIFF" || ascii(8) !== "WAVE") return undefined;
  const view = new DataView(audio.buffer, audio.byteOffset, audio.byteLength);
  const byteRate = view.getUint32(28, true);
  return byteRate > 0 ? (audio.length - 44) / byteRate : undefined;
}

/**
 * A transcript that names the file, its size and a checksum (so tests can tell uploads apart).
 *
 * @example for await (const c of echoTranscript(job)) ...
 */
export async function* echoTranscript(job: TranscriptionJob): AsyncGenerator<Chunk> {
  const checksum = fnv1a(Array.from(job.audio, (b) => String.fromCharCode(b)).join("")).toString(16).padStart(8, "0");
  const text = `Echo transcript of ${job.filename}: ${job.audio.length} bytes, checksum ${checksum}.`;
  const language = job.language ?? "en";
  if (job.responseFormat === "json") yield { type: "transcript", text };
  else {
    const duration = wavSeconds(job.audio);
    yield { type: "transcript", text, language, duration, segments: [{ id: 0, start: 0, end: duration ?? 0, text }] };
  }
  yield usageChunk({ finishReason: "stop" });
}
