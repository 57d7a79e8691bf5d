/**
 * The accepted OpenAI chat body, read into a ChatJob before anything is paid for. Accepted:
 * model, messages, stream, stream_options.include_usage, max_tokens / max_completion_tokens,
 * temperature, top_p, stop, seed, presence_penalty, frequency_penalty, tools (function),
 * tool_choice, parallel_tool_calls, response_format (text, json_object, json_schema), user.
 * Accepted and ignored (hints that do not change the answer): metadata, store false,
 * service_tier, prompt_cache_key, safety_identifier, n 1, logprobs false, empty logit_bias,
 * modalities ["text"]. Anything else, and those fields with other values, is refused 400
 * UNSUPPORTED_FEATURE naming the field — like OpenAI, which refuses unknown arguments — so no
 * request is silently answered differently from what it asked. A null value counts as absent.
 */
import type { ChatJob, ResponseFormat, ToolChoice, ToolDefinition } from "../../../plugins/types.ts";
import { invalid, isObj, readMessages, str, unsupported, type Obj } from "./chat-messages.ts";

export type ChatRequest = { model: string; stream: boolean; includeUsage: boolean; job: Omit<ChatJob, "id"> };

export const MAX_TOOLS = 128;
const toolName = /^[a-zA-Z0-9_-]{1,64}$/;

const used = new Set(["model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty", "tools", "tool_choice", "parallel_tool_calls", "response_format", "user"]);
const ignoredIf: Record<string, (v: unknown) => boolean> = {
  metadata: (v) => isObj(v),
  store: (v) => v === false,
  service_tier: (v) => typeof v === "string",
  prompt_cache_key: (v) => typeof v === "string",
  safety_identifier: (v) => typeof v === "string",
  n: (v) => v === 1,
  logprobs: (v) => v === false,
  logit_bias: (v) => isObj(v) && Object.keys(v).length === 0,
  modalities: (v) => Array.isArray(v) && v.length === 1 && v[0] === "text",
};

function num(b: Obj, key: string, min: number, max: number, integer = false): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isSafeInteger(v))) throw invalid(key, `must be ${integer ? "an integer" : "a number"}`);
  if (v < min || v > max) throw invalid(key, `must be between ${min} and ${max}`);
  return v;
}

function bool(b: Obj, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalid(key, "must be true or false");
  return v;
}

function tools(v: unknown): ToolDefinition[] {
  if (!Array.isArray(v)) throw invalid("tools", "must be an array");
  if (v.length > MAX_TOOLS) throw invalid("tools", `must have at most ${MAX_TOOLS} tools`);
  const seen = new Set<string>();
  return v.map((t, i) => {
    const at = `tools[${i}]`;
    if (!isObj(t)) throw invalid(at, "must be an object");
    if (t.type !== "function") throw unsupported(`${at}.type`, "only function tools are accepted");
    const fn = t.function;
    if (!isObj(fn)) throw invalid(`${at}.function`, "must be an object");
    const name = str(fn.name, `${at}.function.name`);
    if (!toolName.test(name)) throw invalid(`${at}.function.name`, "must be 1-64 letters, digits, _ or -");
    if (seen.has(name)) throw invalid(`${at}.function.name`, `repeats the tool name ${name}`);
    seen.add(name);
    const def: ToolDefinition = { name };
    if (fn.description !== undefined && fn.description !== null) def.description = str(fn.description, `${at}.function.description`);
    if (fn.parameters !== undefined && fn.parameters !== null) {
      if (!isObj(fn.parameters)) throw invalid(`${at}.function.parameters`, "must be a JSON Schema object");
      def.parameters = fn.parameters;
    }
    if (fn.strict !== undefined && fn.strict !== null) {
      if (typeof fn.strict !== "boolean") throw invalid(`${at}.function.strict`, "must be true or false");
      def.strict = fn.strict;
    }
    return def;
  });
}

function toolChoice(v: unknown, defs: ToolDefinition[]): ToolChoice {
  if (v === "none" || v === "auto") return v;
  if (defs.length === 0) throw invalid("tool_choice", "needs tools (only none or auto without them)");
  if (v === "required") return v;
  if (isObj(v) && v.type === "function" && isObj(v.function)) {
    const name = str(v.function.name, "tool_choice.function.name", 64);
    if (!defs.some((d) => d.name === name)) throw invalid("tool_choice.function.name", `names no tool in tools (${name})`);
    return { name };
  }
  if (isObj(v) && v.type !== "function") throw unsupported("tool_choice.type", "only function tool choices are accepted");
  throw invalid("tool_choice", 'must be "none", "auto", "required" or {"type":"function","function":{"name"}}');
}

function responseFormat(v: unknown): ResponseFormat {
  if (!isObj(v)) throw invalid("response_format", "must be an object");
  if (v.type === "text" || v.type === "json_object") return { type: v.type };
  if (v.type !== "json_schema") throw unsupported("response_format.type", "accepted: text, json_object, json_schema");
  const js = v.json_schema;
  if (!isObj(js)) throw invalid("response_format.json_schema", "must be an object with a name");
  const f: ResponseFormat = { type: "json_schema", name: str(js.name, "response_format.json_schema.name", 64) };
  if (js.description !== undefined && js.description !== null) f.description = str(js.description, "response_format.json_schema.description");
  if (js.schema !== undefined && js.schema !== null) {
    if (!isObj(js.schema)) throw invalid("response_format.json_schema.schema", "must be a JSON Schema object");
    f.schema = js.schema;
  }
  if (typeof js.strict === "boolean") f.strict = js.strict;
  return f;
}

function stop(v: unknown): string[] {
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length > 4 || !list.every((s) => typeof s === "string" && s.length > 0 && s.length <= 256)) {
    throw invalid("stop", "must be a string or up to 4 strings of 1-256 characters");
  }
  return list as string[];
}

/**
 * @example const { job, stream } = readChatRequest(JSON.parse(body));
 */
export function readChatRequest(body: unknown): ChatRequest {
  if (!isObj(body)) throw invalid("(body)", "must be a JSON object");
  for (const [key, v] of Object.entries(body)) {
    if (v === null || used.has(key)) continue;
    const ok = ignoredIf[key];
    if (!ok) throw unsupported(key.slice(0, 64), "this runtime does not know or support this field");
    if (!ok(v)) throw unsupported(key, `only ${key === "n" ? "n: 1" : `the default ${key}`} is supported`);
  }
  const model = str(body.model, "model", 128);
  if (model === "") throw invalid("model", "must not be empty");
  const job: Omit<ChatJob, "id"> = { task: "chat", model, messages: readMessages(body.messages) };
  const maxTokens = num(body, "max_completion_tokens", 1, 1_000_000, true) ?? num(body, "max_tokens", 1, 1_000_000, true);
  if (maxTokens !== undefined) job.maxTokens = maxTokens;
  const set = <K extends keyof ChatJob>(k: K, v: ChatJob[K] | undefined) => {
    if (v !== undefined) (job as ChatJob)[k] = v;
  };
  set("temperature", num(body, "temperature", 0, 2));
  set("topP", num(body, "top_p", 0, 1));
  set("presencePenalty", num(body, "presence_penalty", -2, 2));
  set("frequencyPenalty", num(body, "frequency_penalty", -2, 2));
  set("seed", num(body, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true));
  if (body.stop !== undefined && body.stop !== null) job.stop = stop(body.stop);
  const defs = body.tools === undefined || body.tools === null ? [] : tools(body.tools);
  if (defs.length > 0) job.tools = defs;
  if (body.tool_choice !== undefined && body.tool_choice !== null) job.toolChoice = toolChoice(body.tool_choice, defs);
  set("parallelToolCalls", bool(body, "parallel_tool_calls"));
  if (body.response_format !== undefined && body.response_format !== null) job.responseFormat = responseFormat(body.response_format);
  if (body.user !== undefined && body.user !== null) job.user = str(body.user, "user", 512);
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !isObj(streamOptions)) throw invalid("stream_options", "must be an object");
  const includeUsage = isObj(streamOptions) && streamOptions.include_usage === true;
  const stream = bool(body, "stream") ?? false;
  if (isObj(streamOptions) && !stream) throw invalid("stream_options", "is only allowed with stream: true");
  return { model, stream, includeUsage, job };
}
