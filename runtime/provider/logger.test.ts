import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "./logger.ts";

test("keys, signatures and session authorizations never reach the log", () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const log = createLogger({ level: "info", pretty: false }, sink);
  log.info({ privateKey: "0xsecret1", req: { headers: { "x-claw-signature": "0xsecret2", "x-claw-session": "secret3", authorization: "Bearer secret4", "x-claw-stream": "7" } } }, "request");
  log.info({ config: { privateKey: "0xsecret5" }, options: { apiKey: "secret6" } }, "config");
  const text = lines.join("");
  for (const secret of ["secret1", "secret2", "secret3", "secret4", "secret5", "secret6"]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  assert.match(text, /"x-claw-stream":"7"/, "what is not secret stays");
  assert.match(text, /\[redacted\]/);
});
