import { test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../core/errors.ts";
import { sqliteCode, storeError } from "./sqlite-errors.ts";

test("reads SQLite's result code from either driver's error shape, or from SQLite's message", () => {
  assert.equal(sqliteCode({ code: "SQLITE_READONLY_DBMOVED" }), "SQLITE_READONLY"); // better-sqlite3
  assert.equal(sqliteCode({ code: "ERR_SQLITE_ERROR", errcode: 13 }), "SQLITE_FULL"); // node:sqlite
  assert.equal(sqliteCode({ code: "ERR_SQLITE_ERROR", errcode: 1032 }), "SQLITE_READONLY"); // extended code
  assert.equal(sqliteCode({ code: "ERR_SQLITE_ERROR", message: "unable to open database file: /x" }), "SQLITE_CANTOPEN"); // Deno
  assert.equal(sqliteCode(new Error("something else")), undefined);
});

test("maps codes to ClawErrors that name the file", () => {
  const cases: Array<[object, string]> = [
    [{ code: "SQLITE_FULL", message: "database or disk is full" }, "STORE_DISK_FULL"],
    [{ code: "SQLITE_NOTADB", message: "file is not a database" }, "STORE_CORRUPT"],
    [{ code: "SQLITE_READONLY", message: "attempt to write a readonly database" }, "STORE_READ_ONLY"],
    [{ code: "SQLITE_BUSY", message: "database is locked" }, "STORE_IO"],
    [{ code: "SQLITE_CONSTRAINT_TRIGGER", message: "the events table is append-only: rows cannot be updated" }, "STORE_APPEND_ONLY"],
  ];
  for (const [err, code] of cases) {
    const mapped = storeError(Object.assign(new Error((err as { message: string }).message), err), "/data/events.db", "append");
    assert.ok(isClawError(mapped, code as never), `${JSON.stringify(err)} -> ${mapped.code}`);
    assert.match(mapped.message, /\/data\/events\.db/);
  }
});
