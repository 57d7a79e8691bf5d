/**
 * Newline-delimited JSON from a byte stream, parsed by `it-ndjson` (which, unlike a lenient reader,
 * throws on a line that is not JSON, so a malformed stream is reported instead of skipped).
 */
import { parse } from "it-ndjson";
import { ClawError } from "../../runtime/core/errors.ts";
import { malformed } from "./errors.ts";

/**
 * Yields each JSON value of `chunks`, one per line; a bad line -> BACKEND_MALFORMED.
 *
 * @example
 * for await (const line of ndjsonLines(res.chunks(), "ollama")) console.log(line);
 */
export async function* ndjsonLines(chunks: AsyncIterable<Uint8Array>, backend: string): AsyncGenerator<unknown> {
  const lines = parse(chunks)[Symbol.asyncIterator]();
  try {
    while (true) {
      let step: IteratorResult<unknown>;
      try {
        step = await lines.next();
      } catch (err) {
        if (err instanceof ClawError) throw err;
        throw malformed(backend, `a line of its NDJSON stream is not JSON (${err instanceof Error ? err.message : String(err)})`, err);
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    // Stopping early must reach the byte source so that it closes the upstream request.
    await lines.return?.(undefined);
  }
}
