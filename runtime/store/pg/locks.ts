/**
 * Advisory lock keys of the PostgreSQL store, in the two-int4 form (class, id). The class is
 * "CLAW" in ASCII (as the SQLite file's application_id); ids below 16 are the store's own locks,
 * leaders and streams use classes of their own with a hash of their name as id.
 * Advisory locks are per database: two logs in two databases never contend.
 */
export const LOCK_CLASS = 0x434c4157;
/** Held (transaction-scoped) by every append: appends are serialized, see README "PostgreSQL". */
export const LOCK_APPEND = 1;
/** Held (session-scoped) while migrating, so instances starting together migrate once. */
export const LOCK_MIGRATE = 2;
/** Class of the per-stream slot locks (id: hashtext(streamId)). */
export const LOCK_CLASS_SLOTS = 0x434c4158;
/** Class of the leader locks (id: hashtext(name)). */
export const LOCK_CLASS_LEADERS = 0x434c4159;
