/**
 * Outside input is bounded before it reaches a log line, an error message, an event or a reply: a
 * client that sends 5 MB in a `model` field gets a refusal quoting 256 characters of it, never all.
 */
import { ClawError, type ErrorDetails } from "../core/errors.ts";

/** The most characters of one outside string that are ever repeated. */
export const MAX_ECHO_CHARS = 256;
const MAX_LIST = 16;

/** `text` cut to `max` characters, saying how long it really was. */
export function bound(text: string, max = MAX_ECHO_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters, cut)`;
}

function boundValue(v: unknown, depth: number): unknown {
  if (typeof v === "string") return bound(v);
  if (typeof v !== "object" || v === null) return v;
  if (depth > 2) return "(nested, cut)";
  if (Array.isArray(v)) {
    const head = v.slice(0, MAX_LIST).map((x) => boundValue(x, depth + 1));
    return v.length > MAX_LIST ? [...head, `… ${v.length - MAX_LIST} more`] : head;
  }
  const entries = Object.entries(v).slice(0, MAX_LIST);
  return Object.fromEntries(entries.map(([k, x]) => [bound(k, 64), boundValue(x, depth + 1)]));
}

/** The same error with its message and details bounded (the original is returned when already small). */
export function boundError(error: ClawError): ClawError {
  const details = error.details === undefined ? undefined : (boundValue(error.details, 0) as ErrorDetails);
  const message = bound(error.message);
  if (message === error.message && details === undefined) return error;
  return new ClawError(error.code, { message, ...(details === undefined ? {} : { details }), cause: error.cause });
}
