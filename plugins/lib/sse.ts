/**
 * Server-sent events from a byte stream, parsed by `eventsource-parser` (it accepts `data:` with or
 * without the space, as TGI sends it). An event still being assembled when the stream ends is
 * dropped, which is what lets a plugin notice a truncated stream (no final event).
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { malformed } from "./errors.ts";

export type { EventSourceMessage };

/** Largest event we accept before calling the stream malformed (a runaway line, not a token). */
const maxEventBytes = 8 * 1024 * 1024;

/**
 * Yields each complete SSE event of `chunks`.
 *
 * @example
 * for await (const ev of sseEvents(res.chunks(), "groq")) if (ev.data === "[DONE]") break;
 */
export async function* sseEvents(chunks: AsyncIterable<Uint8Array>, backend: string): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  let failure: Error | undefined;
  const parser = createParser({
    maxBufferSize: maxEventBytes,
    onEvent: (ev) => pending.push(ev),
    onError: (err) => {
      // Unknown fields and bad retry values are ignored, as browsers do; only a runaway buffer is fatal.
      if (err.type === "max-buffer-size-exceeded") failure = err;
    },
  });
  const decoder = new TextDecoder();
  for await (const bytes of chunks) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (failure) throw malformed(backend, `an SSE event is larger than ${maxEventBytes} bytes`, failure);
    while (pending.length > 0) yield pending.shift()!;
  }
  parser.feed(decoder.decode());
  while (pending.length > 0) yield pending.shift()!;
}
