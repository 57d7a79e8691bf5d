import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import Fastify from "fastify";
import type { ClawError } from "../core/errors.ts";
import { clientErrorFor, clientErrorHandler } from "./client-errors.ts";

function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port });
    let out = "";
    s.on("data", (b) => (out += b.toString()));
    s.on("close", () => resolve(out));
    s.on("error", (err) => (out ? resolve(out) : reject(err)));
    s.write(bytes);
  });
}

test("requests Node's parser refuses are answered in the runtime's format and reported", async () => {
  const refused: ClawError[] = [];
  const app = Fastify({ clientErrorHandler: clientErrorHandler((e) => refused.push(e)) });
  app.get("/", async () => "ok");
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  try {
    const big = await raw(port, `GET / HTTP/1.1\r\nhost: x\r\nx-junk: ${"j".repeat(20_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431 /);
    assert.equal((JSON.parse(big.slice(big.indexOf("\r\n\r\n") + 4)) as { error: { code: string } }).error.code, "HEADERS_TOO_LARGE");
    const garbage = await raw(port, "NOT HTTP AT ALL\r\n\r\n");
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.match(garbage, /"code":"BAD_REQUEST"/);
    assert.deepEqual(refused.map((e) => e.code), ["HEADERS_TOO_LARGE", "BAD_REQUEST"]);
  } finally {
    await app.close();
  }
});

test("each parser error maps to a catalogue code", () => {
  assert.equal(clientErrorFor({ code: "HPE_HEADER_OVERFLOW" }).status, 431);
  assert.equal(clientErrorFor({ code: "ERR_HTTP_REQUEST_TIMEOUT" }).status, 408);
  assert.equal(clientErrorFor({ code: "HPE_INVALID_METHOD" }).code, "BAD_REQUEST");
});
