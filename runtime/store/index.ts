/**
 * The event store: an append-only, hash-chained SQLite log of the provider's facts.
 * @example
 * import { openStore } from "../store/index.ts";
 * const store = openStore({ path: ".claw/events.db" });
 */
export { openStore, defaultStorePath } from "./open.ts";
export { driverAvailability, type DriverChoice, type DriverName } from "./driver.ts";
export { GENESIS_HASH, chainHash } from "./hash.ts";
export { loadMigrations, CLAW_APPLICATION_ID } from "./migrate.ts";
export type {
  AppendOptions, AppendResult, Durability, EventStore, Evolve, Listener, ReadQuery, StoreInfo, StoreOptions, VerifyResult,
} from "./types.ts";
// The async store (SQLite or PostgreSQL behind one interface; pg loads only for a postgres:// URL).
export { openAsyncStore, type AsyncStoreOptions } from "./async-open.ts";
export { createAsyncGroupCommitter, type AsyncGroupCommitter } from "./async-group-commit.ts";
export type {
  AdmitResult, AsyncAppendOptions, AsyncDriverName, AsyncEventStore, AsyncListener, AsyncStoreInfo, LeaderLease, SlotLease, SlotRequest, SlotResult,
} from "./async-types.ts";
