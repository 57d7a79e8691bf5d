/**
 * The chat parts of the plugin contract: messages with content parts and tool calls, tool
 * definitions, tool choice, response formats, tool-call chunks and a backend's capabilities. Types
 * only (re-exported by types.ts).
 */

export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool";

export interface TextPart {
  type: "text";
  text: string;
}

/** An image the consumer sent inline (a data: URL, decoded to its media type and base64 data). */
export interface ImagePart {
  type: "image";
  mimeType: string;
  /** Base64 without the `data:...;base64,` prefix (Ollama's `images` form). */
  base64: string;
  /** OpenAI's `detail` hint, passed through where the backend takes it. */
  detail?: "auto" | "low" | "high";
}

export type ContentPart = TextPart | ImagePart;

/** A function call the assistant made (OpenAI `tool_calls[]`); `arguments` is JSON text. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * One message of a conversation. `content` is a string, a list of parts (text, images), or null
 * (an assistant message that only calls tools). An assistant message may carry `toolCalls`; a
 * `tool` message answers one of them and carries its `toolCallId`.
 */
export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  name?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

/** A function the model may call (OpenAI `tools[].function`); `parameters` is a JSON Schema. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

/** `auto` (the model decides), `none`, `required` (at least one call), or one named function. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** The output format asked for: plain text, any JSON object, or JSON matching a schema. */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };

/**
 * What a backend can do beyond plain text chat; a request needing a missing capability is refused
 * (400 CAPABILITY_MISSING) before it is paid for, never answered differently.
 */
export interface Capabilities {
  /** Function tools: `tools`, `tool_choice`, tool calls out, `tool` messages in. */
  tools: boolean;
  /** Image content parts in messages. */
  images: boolean;
  /** `response_format` json_object / json_schema. */
  json: boolean;
}

/**
 * A piece of a tool call. The first piece of a call (per `index`, 0, 1, ... in order) carries its
 * `id` and `name`; later pieces only more `arguments` text. A backend that gets whole calls yields
 * one chunk per call with everything.
 */
export interface ToolCallChunk {
  type: "tool_call";
  index: number;
  id?: string;
  name?: string;
  arguments: string;
}

