/**
 * What a provider delivered, as the consumer side saw it pass: the text, the tool calls (assembled
 * from their streamed deltas by index) and the images — the input of the job receipt's output digest
 * (core/receipt.ts outputDigest). The tool-call arguments are capped (`maxToolArgumentsBytes`), the
 * rest is bounded by the answer caps of the reader that fed it.
 */
import type { DeliveredOutput } from "../core/receipt.ts";
import { fromBase64Url } from "../core/payment.ts";
import { answerTooLarge } from "./answer-limits.ts";

type WireToolDelta = { index?: unknown; function?: { name?: unknown; arguments?: unknown } };
type WireChoice = { index?: unknown; delta?: { content?: unknown; tool_calls?: unknown }; message?: { content?: unknown; tool_calls?: unknown } };

export type DeliveryTracker = {
  /** Adds one parsed SSE chunk (`choices[].delta`); throws ANSWER_TOO_LARGE over the tool-arguments cap. */
  chunk(c: unknown): void;
  /** Adds a whole non-streamed answer (chat `choices[].message`, images `data[].b64_json`, transcription `text`). */
  body(b: unknown, route: "chat" | "images" | "transcriptions"): void;
  output(): DeliveredOutput;
};

/**
 * @example
 * const d = trackDelivery(endpoint, 1 << 20);
 * d.chunk({ choices: [{ delta: { content: "hi" } }] });
 * outputDigest(d.output());
 */
export function trackDelivery(endpoint: string, maxToolArgumentsBytes: number): DeliveryTracker {
  const text: string[] = [];
  const calls = new Map<number, { name: string; arguments: string }>();
  const images: Uint8Array[] = [];
  let argBytes = 0;

  function addCall(i: number, name: unknown, args: unknown): void {
    const call = calls.get(i) ?? { name: "", arguments: "" };
    if (typeof name === "string" && name) call.name = name;
    if (typeof args === "string" && args) {
      argBytes += args.length;
      if (argBytes > maxToolArgumentsBytes) throw answerTooLarge(endpoint, "tool-call arguments", maxToolArgumentsBytes);
      call.arguments += args;
    }
    calls.set(i, call);
  }

  function choices(c: unknown): WireChoice[] {
    const list = (c as { choices?: unknown } | null)?.choices;
    // Only the first choice is the answer (the market's offerings serve n = 1).
    return Array.isArray(list) ? (list as WireChoice[]).filter((x) => (x?.index ?? 0) === 0) : [];
  }

  return {
    chunk(c) {
      for (const ch of choices(c)) {
        if (typeof ch.delta?.content === "string") text.push(ch.delta.content);
        const deltas = ch.delta?.tool_calls;
        if (!Array.isArray(deltas)) continue;
        for (const d of deltas as WireToolDelta[]) addCall(typeof d?.index === "number" ? d.index : calls.size, d?.function?.name, d?.function?.arguments);
      }
    },
    body(b, route) {
      if (route === "chat") {
        for (const ch of choices(b)) {
          if (typeof ch.message?.content === "string") text.push(ch.message.content);
          const list = ch.message?.tool_calls;
          if (Array.isArray(list)) (list as WireToolDelta[]).forEach((t, i) => addCall(i, t?.function?.name, t?.function?.arguments));
        }
      } else if (route === "images") {
        const data = (b as { data?: unknown } | null)?.data;
        if (Array.isArray(data)) for (const d of data as Array<{ b64_json?: unknown }>) if (typeof d?.b64_json === "string") images.push(fromBase64Url(d.b64_json));
      } else {
        const t = (b as { text?: unknown } | null)?.text;
        if (typeof t === "string") text.push(t);
      }
    },
    output: () => ({
      text: text.join(""),
      toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c),
      images,
    }),
  };
}
