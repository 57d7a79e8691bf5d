/**
 * Which part of a chat echo answers. An agent's request carries far more than the user's words: a
 * system prompt of tens of KB, earlier turns, tool calls and results, and context blocks the agent
 * appends after the user's message (OpenClaw adds a user message listing its "Active exec sessions").
 * Echo answers the current turn only — the messages after the last final answer — so that what it
 * says, and which tools it calls, follows from what the user said, and a turn ends:
 * - the turn's prompt is its first user message (context appended after it is not echoed);
 * - once the turn has a tool result, echo answers with the latest result and calls no more tools.
 */
import type { ChatMessage } from "../types.ts";

/**
 * The messages after the conversation's last final answer (an assistant message without tool calls).
 *
 * @example currentTurn([user("a"), assistant("a"), user("b")]) // [user("b")]
 */
export function currentTurn(messages: readonly ChatMessage[]): ChatMessage[] {
  let start = 0;
  messages.forEach((m, i) => {
    if (m.role === "assistant" && (m.toolCalls?.length ?? 0) === 0) start = i + 1;
  });
  return messages.slice(start);
}

/** True once echo has called tools in this turn (a call or a result is in it): it answers in text then. */
export function turnUsedTools(turn: readonly ChatMessage[]): boolean {
  return turn.some((m) => m.role === "tool" || (m.toolCalls?.length ?? 0) > 0);
}

/**
 * The message echo answers: the turn's latest tool result, else its first user message; with no turn
 * (the conversation ends in an answer) the last user or tool message of the conversation.
 *
 * @example turnMessage([user("Say ping"), user("<context>")])?.content // "Say ping"
 */
export function turnMessage(messages: readonly ChatMessage[]): ChatMessage | undefined {
  const turn = currentTurn(messages);
  const result = turn.findLast((m) => m.role === "tool");
  if (result) return result;
  return turn.find((m) => m.role === "user") ?? messages.findLast((m) => m.role === "user" || m.role === "tool");
}

/**
 * True when `text` names the tool as a whole word (not inside another word: "read" is not named by "already").
 *
 * @example namesTool("use get_weather now", "get_weather") // true
 */
export function namesTool(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![A-Za-z0-9_-])${escaped}(?![A-Za-z0-9_-])`).test(text);
}
