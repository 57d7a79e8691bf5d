-- What several runtime instances on one log must agree on, besides the log (runtime/store/async-types.ts).
-- Both tables are coordination state, not facts: rows come and go; the events table stays append-only.

-- One row per parallel slot held on a stream (a stream runs at most floor(rate / price) jobs at once).
-- A slot frees itself at `expires_at` (ms since the epoch), so a crashed instance's slots come back.
CREATE TABLE stream_slots (
  slot_id     TEXT    PRIMARY KEY,
  stream_id   TEXT    NOT NULL,
  holder      TEXT    NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX stream_slots_by_stream ON stream_slots (stream_id, expires_at);

-- One row per leadership role ("settler", "watcher"): who leads. On SQLite every instance runs on
-- this machine, so a holder is a process (pid) plus the store instance inside it; a row whose process
-- is gone (or whose store was closed without releasing) is taken over.
CREATE TABLE leaders (
  name        TEXT    PRIMARY KEY,
  holder      TEXT    NOT NULL,
  pid         INTEGER NOT NULL,
  acquired_at INTEGER NOT NULL
) STRICT;
