import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import Fastify from "fastify";
import { refuseWhileClosing } from "./drain.ts";
import { registerErrorHandler } from "./error-handler.ts";

test("a request arriving on a busy connection once closing has begun gets 503 SHUTTING_DOWN in the runtime's error shape", { timeout: 20_000 }, async () => {
  const app = Fastify({ return503OnClosing: false, forceCloseConnections: "idle" });
  refuseWhileClosing(app);
  registerErrorHandler(app, async () => undefined);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  // Once closing has begun (this hook runs after refuseWhileClosing's), a second request arrives on
  // the busy connection, then the first one ends.
  let sendSecond!: () => void;
  app.addHook("preClose", (done) => {
    sendSecond();
    setTimeout(release, 100);
    done();
  });
  let started!: () => void;
  const inFlight = new Promise<void>((r) => (started = r));
  app.get("/slow", async () => {
    started();
    await released;
    return { ok: true };
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const socket = connect({ host: "127.0.0.1", port });
  let out = "";
  socket.on("data", (b) => (out += b.toString()));
  const ended = new Promise<void>((r) => socket.on("close", () => r()));
  sendSecond = () => socket.write("GET /slow HTTP/1.1\r\nhost: x\r\n\r\n");
  socket.write("GET /slow HTTP/1.1\r\nhost: x\r\n\r\n");
  await inFlight;
  const closed = app.close();
  await ended;
  await closed;
  const answers = out.split(/(?=HTTP\/1\.1 )/);
  assert.equal(answers.length, 2, out);
  assert.match(answers[0]!, /^HTTP\/1\.1 200 /);
  assert.match(answers[1]!, /^HTTP\/1\.1 503 /);
  assert.match(answers[1]!, /\r\nconnection: close\r\n/i);
  const body = JSON.parse(answers[1]!.slice(answers[1]!.indexOf("\r\n\r\n") + 4)) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "SHUTTING_DOWN");
  assert.match(body.error.message, /shutting down/);
});
