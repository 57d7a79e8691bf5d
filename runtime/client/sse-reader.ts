/**
 * A provider's SSE answer read event by event within byte caps (./answer-limits.ts): the whole answer
 * at most `maxStreamBytes`, and at most `maxEventBytes` since the last complete event or comment — so
 * neither one endless event nor an endless answer is ever held in memory. Over a cap the body is
 * cancelled (the provider's connection dropped) and ANSWER_TOO_LARGE thrown; a body that breaks is
 * PROVIDER_UNREACHABLE. Used by the relay (paying fetch, gateway) and the SDK's chat reader.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { AnswerLimits } from "./answer-limits.ts";
import { answerTooLarge } from "./answer-limits.ts";
import { unreachable } from "./provider-http.ts";

export type SseReader = {
  /** The next event, or undefined at the end of the answer. */
  next(): Promise<EventSourceMessage | undefined>;
  /** Drops the rest of the answer. */
  cancel(): Promise<void>;
  /** Bytes read so far. */
  bytes(): number;
};

/**
 * @example
 * const sse = boundedSse(res.body!, limits, endpoint);
 * for (let ev = await sse.next(); ev; ev = await sse.next()) console.log(ev.data);
 */
export function boundedSse(body: ReadableStream<Uint8Array>, limits: Pick<AnswerLimits, "maxEventBytes" | "maxStreamBytes">, endpoint: string): SseReader {
  const reader = body.getReader();
  const queue: EventSourceMessage[] = [];
  // Bytes fed since the parser last completed an event or a comment: what it may be buffering.
  let pending = 0;
  let completed = false;
  const parser = createParser({
    onEvent: (ev) => {
      queue.push(ev);
      completed = true;
    },
    onComment: () => void (completed = true),
  });
  const decoder = new TextDecoder();
  let total = 0;
  let done = false;

  async function over(what: string, cap: number): Promise<never> {
    done = true;
    await reader.cancel().catch(() => undefined);
    throw answerTooLarge(endpoint, what, cap);
  }

  return {
    async next() {
      while (queue.length === 0 && !done) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          done = true;
          throw unreachable(endpoint, err);
        }
        if (chunk.done) {
          done = true;
          parser.feed(decoder.decode());
          break;
        }
        total += chunk.value.byteLength;
        if (total > limits.maxStreamBytes) await over("streamed answer", limits.maxStreamBytes);
        completed = false;
        parser.feed(decoder.decode(chunk.value, { stream: true }));
        // A chunk that completed something leaves at most its own tail pending (chunks are small).
        pending = completed ? 0 : pending + chunk.value.byteLength;
        if (pending > limits.maxEventBytes) await over("SSE event", limits.maxEventBytes);
      }
      const ev = queue.shift();
      if (ev && ev.data.length > limits.maxEventBytes) await over("SSE event", limits.maxEventBytes);
      return ev;
    },
    async cancel() {
      done = true;
      queue.length = 0;
      await reader.cancel().catch(() => undefined);
    },
    bytes: () => total,
  };
}
