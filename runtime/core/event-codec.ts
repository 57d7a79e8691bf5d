/**
 * The one codec between event data and JSON: fields in schema order (canonical, so the hash chain
 * covers a stable encoding), bigint as decimal strings, optional fields omitted when undefined.
 * Pure: no I/O. Unknown fields, wrong kinds and unknown types are refused, never skipped.
 */
import { ClawError } from "./errors.ts";
import { eventSchema, isEventType, type FieldKind } from "./event-schema.ts";
import type { EventDataMap, EventType } from "./events.ts";

type Field = { name: string; kind: string; optional: boolean };
type Compiled = { fields: Field[]; names: Set<string>; bigints: string[]; hasChain: boolean };

const compiled = new Map<string, Compiled>();
for (const [type, spec] of Object.entries(eventSchema)) {
  const fields = Object.entries(spec as Record<string, FieldKind>).map(([name, k]) => ({
    name, kind: k.replace("?", ""), optional: k.endsWith("?"),
  }));
  compiled.set(type, {
    fields,
    names: new Set(fields.map((f) => f.name)),
    bigints: fields.filter((f) => f.kind === "bigint").map((f) => f.name),
    hasChain: fields.some((f) => f.kind === "chain"),
  });
}

function invalid(type: string, message: string): ClawError {
  return new ClawError("STORE_INVALID_EVENT", { message: `${type}: ${message}`, details: { type } });
}

function encodeField(type: string, f: Field, value: unknown): unknown {
  switch (f.kind) {
    case "bigint":
      if (typeof value !== "bigint") throw invalid(type, `field "${f.name}" must be a bigint, got ${typeof value}`);
      return value.toString();
    case "string":
      if (typeof value !== "string") throw invalid(type, `field "${f.name}" must be a string, got ${typeof value}`);
      return value;
    case "int":
      if (!Number.isSafeInteger(value)) throw invalid(type, `field "${f.name}" must be a safe integer, got ${String(value)}`);
      return value;
    case "bool":
      if (typeof value !== "boolean") throw invalid(type, `field "${f.name}" must be a boolean, got ${typeof value}`);
      return value;
    case "chain": {
      const c = value as { blockNumber?: unknown; txHash?: unknown; logIndex?: unknown } | null;
      if (typeof c !== "object" || c === null || typeof c.blockNumber !== "bigint" || typeof c.txHash !== "string"
        || !Number.isSafeInteger(c.logIndex)) {
        throw invalid(type, `field "${f.name}" must be { blockNumber: bigint, txHash: string, logIndex: number }`);
      }
      return { blockNumber: c.blockNumber.toString(), txHash: c.txHash, logIndex: c.logIndex };
    }
    default:
      if (typeof value !== "object" || value === null) throw invalid(type, `field "${f.name}" must be an object`);
      return value;
  }
}

/**
 * Encodes an event's data as canonical JSON.
 * @example
 * encodeEventData("StreamWithdrawn", { streamId: 7n, amount: 5n, chain })
 * // '{"streamId":"7","amount":"5","chain":{"blockNumber":"12","txHash":"0xab..","logIndex":0}}'
 */
export function encodeEventData<T extends EventType>(type: T, data: EventDataMap[T]): string {
  const c = compiled.get(type);
  if (c === undefined) throw invalid(type, "unknown event type");
  if (typeof data !== "object" || data === null) throw invalid(type, "data must be an object");
  const src = data as unknown as Record<string, unknown>;
  for (const name in src) {
    if (!c.names.has(name) && src[name] !== undefined) throw invalid(type, `unknown field "${name}"`);
  }
  const out: Record<string, unknown> = {};
  for (const f of c.fields) {
    const value = src[f.name];
    if (value === undefined) {
      if (f.optional) continue;
      throw invalid(type, `field "${f.name}" is missing`);
    }
    out[f.name] = encodeField(type, f, value);
  }
  return JSON.stringify(out);
}

/**
 * Decodes JSON written by `encodeEventData` back into typed data (bigints restored).
 * Throws STORE_UNKNOWN_EVENT for a type this version does not know.
 * @example
 * decodeEventData("StreamWithdrawn", '{"streamId":"7","amount":"5",...}').amount // 5n
 */
export function decodeEventData<T extends EventType>(type: T, json: string): EventDataMap[T] {
  const c = compiled.get(type);
  if (c === undefined) {
    throw new ClawError("STORE_UNKNOWN_EVENT", { message: `Unknown event type "${type}".`, details: { type } });
  }
  const o = JSON.parse(json) as Record<string, unknown>;
  for (const name of c.bigints) {
    const s = o[name];
    if (s !== undefined) o[name] = BigInt(s as string);
  }
  if (c.hasChain) {
    const chain = o.chain as { blockNumber: unknown };
    chain.blockNumber = BigInt(chain.blockNumber as string);
  }
  return o as unknown as EventDataMap[T];
}

/** True when this version knows `type` (a Map lookup: cheap enough for every replayed row). */
export const knownEventType = (type: string): boolean => compiled.has(type);

export { isEventType };

/**
 * Makes any value JSON-safe for output: bigint -> decimal string, Map -> object, Set -> array.
 * @example
 * JSON.stringify(toJsonSafe({ deposit: 10n, byDay: new Map([["2026-01-01", 3n]]) }))
 * // '{"deposit":"10","byDay":{"2026-01-01":"3"}}'
 */
export function toJsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJsonSafe(v);
    return out;
  }
  if (value instanceof Set) return [...value].map(toJsonSafe);
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonSafe(v);
    return out;
  }
  return value;
}
