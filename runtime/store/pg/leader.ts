/**
 * Leader election on PostgreSQL: a session advisory lock held on a connection of its own. The
 * database releases it the moment that session ends — the holder's process dies, its connection
 * is killed (pg_terminate_backend) or the network drops it — and the next `tryLead` elsewhere wins.
 * The holder learns of the loss from the connection's error/end events and from a heartbeat query,
 * so it stops acting as leader. A silent network cut is noticed by the holder within two heartbeats
 * (query timeout) and by the server within ~25 s (TCP keepalives set on the session); in between
 * the two, two instances may both believe they lead, or none: leader-only actions must stay
 * idempotent (runtime/store/README.md, "Several instances").
 */
import { clearInterval, setInterval } from "node:timers";
import pg from "pg";
import type { LeaderLease } from "../async-types.ts";
import { LOCK_CLASS_LEADERS } from "./locks.ts";

export type LeaderOptions = { url: string; heartbeatMs: number; onOpen(lease: () => void): () => void };

/**
 * @example
 * const lease = await tryLeadOnPostgres("settler", { url, heartbeatMs: 2000, onOpen: track });
 * if (lease) { await lease.lost; stopSettling(); }
 */
export async function tryLeadOnPostgres(name: string, o: LeaderOptions): Promise<LeaderLease | null> {
  const client = new pg.Client({
    connectionString: o.url, keepAlive: true, application_name: `claw-leader:${name}`, connectionTimeoutMillis: 10_000,
    // A heartbeat that hangs (a silent network cut) counts as lost after two periods.
    query_timeout: Math.max(1000, 2 * o.heartbeatMs),
    // The server side of a silent cut: without keepalives PostgreSQL would hold the dead holder's
    // lock until the OS gives up on the connection (hours); with these it lets go after ~25 s.
    options: "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
  });
  let held = false;
  let failed = false;
  let beat: NodeJS.Timeout | undefined;
  let untrack = (): void => undefined;
  let markLost = (): void => undefined;
  const lost = new Promise<void>((resolve) => { markLost = resolve; });
  const onLost = (): void => {
    failed = true;
    if (!held) return;
    held = false;
    clearInterval(beat);
    untrack();
    markLost();
    client.end().catch(() => undefined);
  };
  // An error on an idle client is emitted, not thrown: without a handler it would crash the process.
  client.on("error", onLost);
  client.on("end", onLost);
  await client.connect();
  let row: { ok: boolean; pid: number };
  try {
    row = (await client.query("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok, pg_backend_pid() AS pid",
      [LOCK_CLASS_LEADERS, name])).rows[0] as { ok: boolean; pid: number };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  if (!row.ok || failed) {
    await client.end().catch(() => undefined);
    return null;
  }
  held = true;
  beat = setInterval(() => { client.query("SELECT 1").catch(onLost); }, o.heartbeatMs);
  beat.unref();
  // The store's close() ends leaderships too (as losing them: the process no longer leads).
  untrack = o.onOpen(onLost);
  return {
    name,
    session: String(row.pid),
    held: () => held,
    lost,
    async release() {
      if (!held) return;
      held = false;
      clearInterval(beat);
      untrack();
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_CLASS_LEADERS, name]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
