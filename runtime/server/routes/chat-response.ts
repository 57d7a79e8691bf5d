/**
 * The answer side of chat: collects a job's text and tool-call chunks into OpenAI's shapes. Tool
 * calls are renumbered 0, 1, ... in order of first appearance; the first piece of each call carries
 * its id (made up as `call_<job>_<index>` when the backend gave none), type and name, later pieces
 * only arguments — the OpenAI stream format, whatever the backend's own (whole calls, repeated
 * names). finish_reason is "tool_calls" when the answer called tools and the backend said it stopped.
 */
import type { ToolCallChunk, UsageChunk } from "../../../plugins/types.ts";

export type ToolCallOut = { id: string; type: "function"; function: { name: string; arguments: string } };
/** One `delta.tool_calls[]` entry of a stream chunk. */
export type ToolCallDelta = { index: number; id?: string; type?: "function"; function: { name?: string; arguments: string } };

export class ChatAnswer {
  text = "";
  readonly calls: ToolCallOut[] = [];
  private readonly indexOf = new Map<number, number>();
  private readonly jobId: string;

  constructor(jobId: string) {
    this.jobId = jobId;
  }

  /** Adds text; returns it (the stream's content delta). */
  addText(text: string): string {
    this.text += text;
    return text;
  }

  /** Adds a tool-call piece; returns its stream delta, or undefined when it carries nothing new. */
  addToolCall(c: ToolCallChunk): ToolCallDelta | undefined {
    let index = this.indexOf.get(c.index);
    if (index === undefined) {
      index = this.calls.length;
      this.indexOf.set(c.index, index);
      const call: ToolCallOut = { id: c.id ?? `call_${this.jobId}_${index}`, type: "function", function: { name: c.name ?? "", arguments: c.arguments } };
      this.calls.push(call);
      return { index, id: call.id, type: "function", function: { name: call.function.name, arguments: c.arguments } };
    }
    if (c.arguments === "") return undefined;
    this.calls[index]!.function.arguments += c.arguments;
    return { index, function: { arguments: c.arguments } };
  }

  finishReason(u: UsageChunk, override?: string): string {
    const reason = override ?? u.finishReason ?? "stop";
    return this.calls.length > 0 && reason === "stop" ? "tool_calls" : reason;
  }

  /** The non-streamed `choices[0].message`. */
  message(): Record<string, unknown> {
    const called = this.calls.length > 0;
    return { role: "assistant", content: called && this.text === "" ? null : this.text, refusal: null, ...(called ? { tool_calls: this.calls } : {}) };
  }

  /** True once the consumer was given anything. */
  get delivered(): boolean {
    return this.text !== "" || this.calls.length > 0;
  }
}

/** OpenAI's usage object from a usage chunk. */
export function openaiUsageOf(u: UsageChunk) {
  const prompt = u.promptTokens ?? 0;
  const completion = u.completionTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.totalTokens ?? prompt + completion };
}
