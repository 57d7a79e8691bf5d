-- The event log on PostgreSQL: the same columns, order and hash chain as the SQLite log
-- (migrations/001_event_log.sql, runtime/store/hash.ts), shared by several runtime instances.
-- `data` is TEXT, not JSONB: the hash covers the exact stored text.
-- `tx` is the writing transaction's id. Readers return only rows whose tx is below the oldest
-- transaction still in flight (pg_snapshot_xmin), so a row that commits late is never skipped
-- by a reader that already read a later position.
CREATE TABLE events (
  position BIGINT  PRIMARY KEY,
  type     TEXT    NOT NULL,
  v        INTEGER NOT NULL,
  key      TEXT    NOT NULL,
  time     BIGINT  NOT NULL,
  dedupe   TEXT    UNIQUE,
  data     TEXT    NOT NULL,
  hash     TEXT    NOT NULL,
  tx       XID8    NOT NULL DEFAULT pg_current_xact_id()
);

CREATE INDEX events_by_key ON events (key, position);

-- Append-only, enforced by the database and not only by the API.
CREATE FUNCTION claw_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the events table is append-only: % refused', TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION claw_events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION claw_events_append_only();

-- Progress markers outside the log (the chain watcher's last block): see migrations/002_cursors.sql.
CREATE TABLE cursors (
  name       TEXT   PRIMARY KEY,
  value      TEXT   NOT NULL,
  updated_at BIGINT NOT NULL
);

-- One row per parallel slot held on a stream, by any instance (see migrations/003_slots_leaders.sql).
-- Leaders need no table here: they are session advisory locks.
CREATE TABLE stream_slots (
  slot_id     TEXT   PRIMARY KEY,
  stream_id   TEXT   NOT NULL,
  holder      TEXT   NOT NULL,
  acquired_at BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);

CREATE INDEX stream_slots_by_stream ON stream_slots (stream_id, expires_at);

-- The database's clock in ms: every instance counts slot expiry on one clock.
CREATE FUNCTION claw_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS $$
  SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT
$$;
