/**
 * Opens the log the configuration names: `store.url` (postgres://, or CLAW_STORE_URL through
 * config/env.ts) is a log shared by several instances of one provider; otherwise the SQLite file at
 * `store.path`, held by this runtime alone (provider/instance-lock.ts).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ClawConfig } from "../../config/schema.ts";
import { openAsyncStore } from "../store/async-open.ts";
import { openStore } from "../store/index.ts";
import { acquireInstanceLock, openLocked } from "./instance-lock.ts";
import { sqliteRuntimeStore, type RuntimeStore } from "./runtime-store.ts";
import { sharedRuntimeStore } from "./shared-store.ts";

/**
 * @example
 * const port = await openRuntimeStore(config, process.cwd(), { onError: (err) => log.warn({ err }) });
 */
export async function openRuntimeStore(
  config: ClawConfig, root: string, o: { onError?: (err: unknown) => void; slotTtlMs?: number } = {},
): Promise<RuntimeStore> {
  if (config.store.url) {
    return sharedRuntimeStore(await openAsyncStore({ url: config.store.url }), o);
  }
  const storePath = config.store.path === ":memory:" ? ":memory:" : resolve(root, config.store.path);
  if (storePath !== ":memory:") mkdirSync(dirname(storePath), { recursive: true });
  // One runtime per log, and so per wallet (provider/instance-lock.ts): refuses a log another live runtime holds.
  const lock = storePath === ":memory:" ? undefined : acquireInstanceLock(storePath);
  return sqliteRuntimeStore(openLocked(() => openStore({ path: storePath, durability: config.store.durability, checkpoint: config.store.checkpoint, onCheckpointError: o.onError }), lock));
}
