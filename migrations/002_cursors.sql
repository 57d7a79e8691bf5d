-- Small mutable progress markers outside the log, e.g. the chain watcher's last processed block.
-- Not events: a cursor is not a fact about the world but where a reader got to; it is rewritten
-- (and may move back after a chain reorganisation), and it can be rebuilt from the log and the
-- chain. Events stay idempotent, so a cursor that lags behind only causes re-reads, never duplicates.
CREATE TABLE cursors (
  name       TEXT    PRIMARY KEY,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
