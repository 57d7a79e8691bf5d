import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ndjsonLines } from "./ndjson.ts";
import { sseEvents } from "./sse.ts";

async function* bytes(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === "string" ? new TextEncoder().encode(p) : p;
}
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("sseEvents", () => {
  test("reads `data:` with and without the space, events split anywhere, multi-byte text split mid-character", async () => {
    const euro = new TextEncoder().encode('data: {"t":"€"}\n\n');
    const events = await all(sseEvents(bytes('data:{"a":1}\n', "\nda", 'ta: {"b":2}\n\nevent: error\ndata: {"c":3}\n\n', euro.subarray(0, 12), euro.subarray(12)), "t"));
    assert.deepEqual(events.map((e) => [e.event, e.data]), [[undefined, '{"a":1}'], [undefined, '{"b":2}'], ["error", '{"c":3}'], [undefined, '{"t":"€"}']]);
  });

  test("an event without its closing blank line is not delivered (so truncation is visible)", async () => {
    const events = await all(sseEvents(bytes('data: {"a":1}\n\ndata: {"b":'), "t"));
    assert.deepEqual(events.map((e) => e.data), ['{"a":1}']);
  });
});

describe("ndjsonLines", () => {
  test("lines split across chunks, a last line without newline", async () => {
    assert.deepEqual(await all(ndjsonLines(bytes('{"a":1}\n{"b"', ':2}\n{"c":3}'), "t")), [{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  test("a line that is not JSON -> BACKEND_MALFORMED naming the backend", async () => {
    await assert.rejects(all(ndjsonLines(bytes('{"a":1}\n{"b":\n{"c":3}\n'), "ollama")), { code: "BACKEND_MALFORMED", message: /ollama sent a malformed response: a line of its NDJSON stream is not JSON/ });
  });

  test("stopping early returns the byte source (which is what closes the upstream request)", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield new TextEncoder().encode('{"a":1}\n{"b":2}\n');
        yield new TextEncoder().encode('{"c":3}\n');
      } finally {
        closed = true;
      }
    }
    for await (const _ of ndjsonLines(source(), "t")) break;
    assert.equal(closed, true);
  });
});
