/**
 * Capabilities: what a chat job needs beyond plain text (tools, images, JSON output) and whether a
 * backend has it. The route refuses a job its offering cannot do before it is paid for, and the
 * backend guard refuses it again for any other caller, so a request is never silently answered
 * without the tools, images or format it asked for.
 */
import type { Capabilities, ChatJob, ChatMessage } from "../types.ts";
import { ClawError } from "../../runtime/core/errors.ts";

export const noCapabilities: Capabilities = Object.freeze({ tools: false, images: false, json: false });

/** The parts of a chat job that decide what it needs. */
export type ChatNeeds = Pick<ChatJob, "messages"> & Partial<Pick<ChatJob, "tools" | "toolChoice" | "responseFormat">>;

/** The capability a chat job needs and the request field that needs it. */
export type Need = { capability: keyof Capabilities; param: string };

/**
 * What `job` needs, first need first: tools (tools offered and not `tool_choice: "none"`, or tool
 * calls / tool results in the conversation), images (an image part), json (`response_format`).
 *
 * @example needsOf({ task: "chat", id: "1", model: "m", messages, tools: [{ name: "f" }] }) // [{ capability: "tools", param: "tools" }]
 */
export function needsOf(job: ChatNeeds): Need[] {
  const needs: Need[] = [];
  if (job.tools && job.tools.length > 0 && job.toolChoice !== "none") needs.push({ capability: "tools", param: "tools" });
  job.messages.forEach((m, i) => {
    if ((m.toolCalls && m.toolCalls.length > 0) || m.role === "tool") needs.push({ capability: "tools", param: `messages[${i}]` });
    if (Array.isArray(m.content)) {
      const j = m.content.findIndex((p) => p.type === "image");
      if (j >= 0) needs.push({ capability: "images", param: `messages[${i}].content[${j}]` });
    }
  });
  if (job.responseFormat && job.responseFormat.type !== "text") needs.push({ capability: "json", param: "response_format" });
  return needs;
}

/**
 * The CAPABILITY_MISSING error for the first need `caps` lacks, or undefined.
 *
 * @example const err = missingCapability(job, backend.capabilities, "echo-1"); if (err) throw err;
 */
export function missingCapability(job: ChatNeeds, caps: Partial<Capabilities> | undefined, who: string): ClawError | undefined {
  const miss = needsOf(job).find((n) => caps?.[n.capability] !== true);
  if (!miss) return undefined;
  const what = { tools: "function tools and tool calls", images: "image inputs", json: "JSON output (response_format)" }[miss.capability];
  return new ClawError("CAPABILITY_MISSING", {
    message: `${who} cannot do ${what}, which ${miss.param} needs; send the request to an offering that advertises "${miss.capability}" in /v1/models.`,
    details: { param: miss.param, capability: miss.capability },
  });
}

/**
 * The text of a message's content: a string as is, the text parts joined by newlines (images are
 * left out), "" for null.
 *
 * @example textOf([{ type: "text", text: "a" }, { type: "text", text: "b" }]) // "a\nb"
 */
export function textOf(content: ChatMessage["content"]): string {
  if (content === null) return "";
  if (typeof content === "string") return content;
  return content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
}
