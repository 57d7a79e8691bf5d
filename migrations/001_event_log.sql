-- The append-only event log. One row per fact; `position` is global and 1-based.
-- `hash` = sha256 over the previous row's hash and this row's other columns (runtime/store/hash.ts),
-- so an edit, deletion or reordering is found by `claw log verify`.
-- `dedupe` makes repeats from a source a no-op: a chain log (txHash, logIndex) or a job event
-- (e.g. one JobAccepted per stream nonce) is stored once. NULL means "never a duplicate".
CREATE TABLE events (
  position INTEGER PRIMARY KEY,
  type     TEXT    NOT NULL,
  v        INTEGER NOT NULL,
  key      TEXT    NOT NULL,
  time     INTEGER NOT NULL,
  dedupe   TEXT    UNIQUE,
  data     TEXT    NOT NULL,
  hash     TEXT    NOT NULL
) STRICT;

CREATE INDEX events_by_key ON events (key, position);

-- Append-only, enforced by SQLite itself and not only by the API.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'the events table is append-only: rows cannot be updated');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'the events table is append-only: rows cannot be deleted');
END;
