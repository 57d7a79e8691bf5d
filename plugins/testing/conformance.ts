/**
 * The contract tests every HTTP backend plugin runs against its fake server: each failure mode
 * mapped to its code (with the backend's own message and status), abort closes the upstream
 * connection, timeouts, retries before the first chunk and never after; tool calls for every
 * plugin that declares them (conformance-tools.ts). A plugin's test file calls
 * `describeConformance(...)` and adds its own tests for request bodies and usage mapping.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ErrorCode } from "../../runtime/core/errors.ts";
import { createBackend } from "../loader.ts";
import type { Backend, Chunk, InferenceJob, PluginContext, PluginDefinition } from "../types.ts";
import { describeToolCases } from "./conformance-tools.ts";
import { marker, startFakeServer, type FakeMode, type FakeServer } from "./fake-server.ts";

export interface ConformanceCase {
  /** Distinguishes several contract runs of one plugin (e.g. "non-streaming"). */
  label?: string;
  plugin: PluginDefinition;
  start(): Promise<FakeServer>;
  /** The plugin options that point at a server root URL (the fake's, or a dead port's). */
  options(rootUrl: string): Record<string, unknown>;
  ctx?: Partial<PluginContext>;
  job: InferenceJob;
  /** True when the job's answer arrives in several chunks (abort mid-stream, no retry after a chunk). */
  streaming: boolean;
  /** The failure modes this wire format has, with the code each must become. */
  errors: Partial<Record<FakeMode, ErrorCode>>;
  /** HTTP statuses the fake uses per mode, where they differ from 401/429/503/400/500. */
  statuses?: Partial<Record<FakeMode, number>>;
  /** How the backend writes tool calls and results (default openai: arguments as text, tool_call_id). */
  toolWire?: "openai" | "ollama";
}

const defaultStatuses: Partial<Record<FakeMode, number>> = { auth: 401, "rate-limit": 429, overloaded: 503, "bad-request": 400, upstream: 500 };
const messageModes: FakeMode[] = ["auth", "rate-limit", "overloaded", "bad-request", "upstream", "stream-error"];

type Err = Error & { code?: string; details?: Record<string, unknown> };

/** Runs a job; returns the chunks it yielded and the error it ended with (if any). */
export async function runJob(backend: Backend, job: InferenceJob, signal = new AbortController().signal): Promise<{ chunks: Chunk[]; error?: Err }> {
  const chunks: Chunk[] = [];
  try {
    for await (const c of backend.infer(job, signal)) chunks.push(c);
    return { chunks };
  } catch (error) {
    return { chunks, error: error as Err };
  }
}

async function withFake(c: ConformanceCase, extra: Record<string, unknown>, fn: (fake: FakeServer, backend: Backend) => Promise<void>): Promise<void> {
  const fake = await c.start();
  try {
    const backend = await createBackend(c.plugin, { ...c.options(fake.url), retries: 0, retryBaseMs: 1, ...extra }, c.ctx);
    await fn(fake, backend);
  } finally {
    await fake.close();
  }
}

async function deadUrl(): Promise<string> {
  const fake = await startFakeServer(() => {});
  await fake.close();
  return fake.url;
}

/**
 * Declares the contract tests for one plugin.
 *
 * @example describeConformance({ plugin, start: () => startFakeOpenAI("groq"), options: (u) => ({ baseUrl: u + "/openai/v1" }), ... });
 */
export function describeConformance(c: ConformanceCase): void {
  describe(`${c.plugin.name} contract${c.label ? ` (${c.label})` : ""}`, () => {
    test("a successful job ends with exactly one usage chunk", () =>
      withFake(c, {}, async (_fake, backend) => {
        const { chunks, error } = await runJob(backend, c.job);
        assert.equal(error, undefined, error?.message);
        assert.equal(chunks.at(-1)?.type, "usage");
        assert.equal(chunks.filter((x) => x.type === "usage").length, 1);
      }));

    for (const [mode, code] of Object.entries(c.errors) as Array<[FakeMode, ErrorCode]>) {
      test(`${mode} -> ${code}`, () =>
        withFake(c, {}, async (fake, backend) => {
          fake.setMode(mode);
          const { chunks, error } = await runJob(backend, c.job);
          assert.equal(error?.code, code, `got ${error?.code}: ${error?.message}`);
          if (messageModes.includes(mode)) assert.ok(error.message.includes(marker(mode)), `the backend's message is in: ${error.message}`);
          const status = c.statuses?.[mode] ?? defaultStatuses[mode];
          if (status !== undefined) assert.equal(error.details?.backendStatus, status);
          if (mode === "rate-limit") assert.equal(error.details?.retryAfterSeconds, 7);
          if (c.streaming && ["stream-error", "malformed", "truncated", "ended-early"].includes(mode)) {
            assert.equal(chunks[0]?.type, "text", "the chunk before the failure reached the consumer");
          }
          assert.equal(fake.received.length, 1);
        }));
    }

    test("abort closes the upstream connection at once and ends with JOB_ABORTED", () =>
      withFake(c, {}, async (fake, backend) => {
        fake.setMode(c.streaming ? "stall" : "stall-headers");
        const ac = new AbortController();
        if (c.streaming) {
          // Abort once the first chunk is out: the fake keeps the stream open until the client closes it.
          const iter = backend.infer(c.job, ac.signal)[Symbol.asyncIterator]();
          const first = await iter.next();
          assert.equal(first.done, false);
          ac.abort();
          await assert.rejects(iter.next(), { code: "JOB_ABORTED" });
        } else {
          const done = runJob(backend, c.job, ac.signal);
          await fake.waitForRequests(1);
          ac.abort();
          assert.equal((await done).error?.code, "JOB_ABORTED");
        }
        await fake.waitForClientClose();
      }));

    test("silence mid-response past idleTimeoutMs -> BACKEND_TIMEOUT, upstream closed", () =>
      withFake(c, { idleTimeoutMs: 150 }, async (fake, backend) => {
        fake.setMode("stall");
        const { error } = await runJob(backend, c.job);
        assert.equal(error?.code, "BACKEND_TIMEOUT", error?.message);
        await fake.waitForClientClose();
      }));

    test("no answer past timeoutMs -> BACKEND_TIMEOUT", () =>
      withFake(c, { timeoutMs: 150 }, async (fake, backend) => {
        fake.setMode("stall-headers");
        const { error } = await runJob(backend, c.job);
        assert.equal(error?.code, "BACKEND_TIMEOUT", error?.message);
        await fake.waitForClientClose();
      }));

    test("retries before the first chunk, then succeeds", () =>
      withFake(c, { retries: 2 }, async (fake, backend) => {
        fake.queue("upstream", "overloaded");
        const { chunks, error } = await runJob(backend, c.job);
        assert.equal(error, undefined, error?.message);
        assert.equal(chunks.at(-1)?.type, "usage");
        assert.equal(fake.received.length, 3);
      }));

    test("does not retry a bad request", () =>
      withFake(c, { retries: 3 }, async (fake, backend) => {
        fake.setMode("bad-request");
        const { error } = await runJob(backend, c.job);
        assert.equal(error?.code, "BACKEND_BAD_REQUEST");
        assert.equal(fake.received.length, 1);
      }));

    if (c.errors["rate-limit"]) {
      test("waits for a short retry-after; surfaces a long one with retryAfterSeconds", () =>
        withFake(c, { retries: 3, maxRetryDelayMs: 1000 }, async (fake, backend) => {
          fake.retryAfter = "0";
          fake.queue("rate-limit");
          assert.equal((await runJob(backend, c.job)).error, undefined);
          assert.equal(fake.received.length, 2);
          fake.retryAfter = "7";
          fake.setMode("rate-limit");
          const { error } = await runJob(backend, c.job);
          assert.equal(error?.code, "BACKEND_RATE_LIMITED");
          assert.equal(error?.details?.retryAfterSeconds, 7);
          assert.equal(fake.received.length, 3, "a retry-after beyond maxRetryDelayMs is not waited for");
        }));
    }

    if (c.streaming) {
      test("never retries after the first chunk", () =>
        withFake(c, { retries: 3 }, async (fake, backend) => {
          fake.setMode("truncated");
          const { chunks, error } = await runJob(backend, c.job);
          assert.equal(error?.code, "BACKEND_MALFORMED");
          assert.equal(chunks[0]?.type, "text");
          assert.equal(fake.received.length, 1);
        }));
    }

    // Every tool-capable plugin: the tool-call contract, on its fake's own wire format.
    if (c.plugin.capabilities?.tools && c.job.task === "chat") {
      describeToolCases(c.job, c.toolWire ?? "openai", (fn) => withFake(c, {}, fn), (backend, job) => runJob(backend, job));
    }

    test("a dead address -> BACKEND_UNREACHABLE", async () => {
      const backend = await createBackend(c.plugin, { ...c.options(await deadUrl()), retries: 0 }, c.ctx);
      const { error } = await runJob(backend, c.job);
      assert.equal(error?.code, "BACKEND_UNREACHABLE", error?.message);
      assert.equal((await backend.health()).ok, false);
    });
  });
}
