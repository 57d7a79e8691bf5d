/**
 * The backend plugin contract: what a plugin receives (jobs, a context) and what it yields (chunks).
 * Types only; `definePlugin` lives in sdk.ts. Kept free of runtime imports so that any plugin,
 * local or from npm, can depend on these shapes without pulling in the runtime.
 */
import type { z } from "zod";

/** What an offering sells; the runtime maps it to the registry's service type. */
export type PluginKind = "text" | "image" | "audio";

/** The tasks a job can ask for. */
export type Task = "chat" | "completion" | "image" | "transcription";

export type * from "./chat-types.ts";
import type { Capabilities, ChatMessage, ToolCallChunk, ResponseFormat, ToolChoice, ToolDefinition } from "./chat-types.ts";

/** Sampling parameters shared by chat and completion jobs (all optional: the backend's defaults apply). */
export interface TextParams {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
}

interface JobBase {
  /** The runtime's job id (for logs and for the backend's request id where it takes one). */
  id: string;
  /** The model name the backend knows (the offering's model). */
  model: string;
}

export interface ChatJob extends JobBase, TextParams {
  task: "chat";
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** False: at most one tool call per answer. */
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** The consumer's end-user id (OpenAI `user`), for backends that take it. */
  user?: string;
}

export interface CompletionJob extends JobBase, TextParams {
  task: "completion";
  prompt: string;
}

export interface ImageJob extends JobBase {
  task: "image";
  prompt: string;
  negativePrompt?: string;
  /** "WIDTHxHEIGHT", e.g. "512x512"; `width`/`height` win when given. */
  size?: string;
  width?: number;
  height?: number;
  steps?: number;
  seed?: number;
  /** Number of images (default 1). */
  n?: number;
}

export interface TranscriptionJob extends JobBase {
  task: "transcription";
  audio: Uint8Array;
  filename: string;
  mimeType: string;
  language?: string;
  prompt?: string;
  temperature?: number;
  responseFormat: "json" | "verbose_json";
}

/** One unit of work for a backend, discriminated on `task`. */
export type InferenceJob = ChatJob | CompletionJob | ImageJob | TranscriptionJob;

export interface TextChunk {
  type: "text";
  text: string;
}

export interface ImageChunk {
  type: "image";
  png: Uint8Array;
  mimeType: "image/png";
  /** The backend's generation info (seed, sampler, revised prompt, ...), as it gave it. */
  info?: unknown;
}

export interface TranscriptSegment {
  id: number;
  /** Seconds from the start of the audio (of this chunk's window, when a backend yields one chunk per
   *  window: the runtime shifts each window's segments by the durations of the windows before it). */
  start: number;
  end: number;
  text: string;
}

export interface TranscriptChunk {
  type: "transcript";
  text: string;
  language?: string;
  /** Length of the audio in seconds, when the backend reports it (verbose_json). */
  duration?: number;
  segments?: TranscriptSegment[];
}

/** Backend-reported timings, always in milliseconds (plugins convert ns / s). */
export interface Timings {
  queueMs?: number;
  promptMs?: number;
  completionMs?: number;
  totalMs?: number;
  loadMs?: number;
}

/** Always the last chunk of a job: token counts and timings as the backend reported them. */
export interface UsageChunk {
  type: "usage";
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  timings?: Timings;
  /** "stop" | "length" where the backend says so; other backend values are passed through. */
  finishReason?: string;
}

export type Chunk = TextChunk | ToolCallChunk | ImageChunk | TranscriptChunk | UsageChunk;

export interface ModelInfo {
  id: string;
  description?: string;
  ownedBy?: string;
  contextLength?: number;
  /** Backend-specific facts (size, digest, quantization, ...). */
  details?: Record<string, unknown>;
}

export interface HealthStatus {
  ok: boolean;
  detail?: string;
}

/**
 * A running backend. `infer` yields chunks and ends with one usage chunk; it throws a ClawError
 * (BACKEND_* or JOB_ABORTED). Aborting `signal` closes the upstream request at once; when the
 * signal's reason is a ClawError (e.g. JOB_BUDGET_CUT) that error is thrown as it is.
 */
export interface Backend {
  health(signal?: AbortSignal): Promise<HealthStatus>;
  models(signal?: AbortSignal): Promise<ModelInfo[]>;
  infer(job: InferenceJob, signal: AbortSignal): AsyncIterable<Chunk>;
  /**
   * Optional: what this instance can do, when it depends on its options (e.g. a server without a
   * tool parser). Defaults to the plugin's declared `capabilities`.
   */
  capabilities?: Partial<Capabilities>;
  /** Optional: release timers, pools, child processes at shutdown. */
  close?(): Promise<void>;
}

/** pino-compatible subset: a pino (child) logger can be passed as it is. */
export interface PluginLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** What the runtime hands to `create` besides the validated options. */
export interface PluginContext {
  /** Environment variables (API keys are read from here, by the name an option gives). */
  env: Readonly<Record<string, string | undefined>>;
  log: PluginLogger;
  /** The fetch to use (web-standard); tests may inject one. */
  fetch: typeof fetch;
}

/** What `definePlugin` takes and returns; the default export of a plugin module. */
export interface PluginDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  kind: PluginKind;
  description: string;
  /** Tasks the backend accepts; defaults from `kind` (text: chat+completion, image: image, audio: transcription). */
  tasks: readonly Task[];
  /** What chat jobs may ask of it beyond text (all false when left out). */
  capabilities: Capabilities;
  /** zod 4 schema of the plugin's options (what the operator writes in claw.config.ts). */
  options: S;
  create(options: z.output<S>, ctx: PluginContext): Backend | Promise<Backend>;
}
