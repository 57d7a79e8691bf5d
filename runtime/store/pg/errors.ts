/**
 * PostgreSQL failures as ClawErrors naming the database (never its password) and what to do.
 */
import { ClawError } from "../../core/errors.ts";

/**
 * The URL without its password, for messages and `info()`.
 * @example
 * redactUrl("postgres://claw:secret@db:5432/claw") // "postgres://claw:***@db:5432/claw"
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/** Whether `url` names a PostgreSQL database (postgres:// or postgresql://). */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

const connectionCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE"]);

/**
 * Maps `err` (thrown while doing `action` on the database at `where`) to a ClawError; ClawErrors pass through.
 * @example
 * try { await pool.query(sql) } catch (err) { throw pgError(err, "postgres://claw:***@db/claw", "append") }
 */
export function pgError(err: unknown, where: string, action: string): ClawError {
  if (err instanceof ClawError) return err;
  const e = err as { code?: string; message?: string };
  const detail = e?.message ?? String(err);
  const details = { database: where, action, pg: e?.code ?? null };
  const make = (code: ConstructorParameters<typeof ClawError>[0], message: string) => new ClawError(code, { message, details, cause: err });
  if (e?.code === "23001" || /append-only/.test(detail)) return make("STORE_APPEND_ONLY", `The event log in ${where} is append-only: ${detail}`);
  if (e?.code === "53100") return make("STORE_DISK_FULL", `Cannot ${action}: the disk of the database ${where} is full (${detail}). The write was rolled back.`);
  if (e?.code === "25006") return make("STORE_READ_ONLY", `Cannot ${action}: the database ${where} is read-only (${detail}).`);
  if (e?.code === "28P01" || e?.code === "28000") {
    return make("STORE_IO", `Cannot ${action}: the database ${where} refused the login (${detail}). Check the user and password in store.url.`);
  }
  if (e?.code === "3D000") return make("STORE_NOT_FOUND", `Cannot ${action}: the database in ${where} does not exist (${detail}). Create it first (createdb).`);
  if ((e?.code && connectionCodes.has(e.code)) || /Connection terminated|terminating connection/.test(detail)) {
    return make("STORE_IO", `Cannot ${action}: the database ${where} cannot be reached (${detail}). Check that PostgreSQL runs and store.url is right; retry.`);
  }
  return make("STORE_IO", `Cannot ${action} on the event log in ${where}: ${detail}`);
}
