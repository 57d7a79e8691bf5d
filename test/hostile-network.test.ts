/**
 * Hostile network (issue 13): what an unpaid stranger can do to a provider runtime on loopback.
 * Each test is the adversary's: a snooping socket, a foreign page, a non-reading socket flooding
 * subscriptions, a 5 MB multipart field, 20,000 anonymous refusals, a trickled body, an aborted one.
 */
import assert from "node:assert/strict";
import { statSync, existsSync } from "node:fs";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { WebSocket } from "ws";
import { jobRejected } from "../runtime/core/events.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n;
let m: Market;
let providerId: bigint;

before(async () => {
  m = await startMarket({
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 25 }, pricePerSecond: price }],
    server: { timeouts: { requestMs: 1_500, headersMs: 1_000 }, limits: { wsMessagesPerMinute: 60, unpaidPerMinute: 100 } },
  });
  providerId = m.provider.offerings[0]!.providerId;
});
after(async () => m?.close());

const wsUrl = () => `${m.provider.url.replace("http", "ws")}/v1/ws`;

function openSocket(headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl(), { headers });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

/** Events the runtime itself appended after `position` (the chain watcher's are not the requests' doing). */
function runtimeEventsAfter(position: number) {
  return m.provider.store.read({ from: position + 1 }).filter((e) => e.type.startsWith("Job") || e.type.startsWith("Settle"));
}

/**
 * A WebSocket client that never reads: the upgrade by hand, then masked text frames written into a
 * paused TCP socket (the `ws` client resumes its socket on its own, so it cannot play this part).
 */
async function nonReadingSocket(): Promise<{ send(text: string): void; destroy(): void }> {
  const s = connect({ host: "127.0.0.1", port: Number(new URL(m.provider.url).port) });
  await new Promise((r) => s.once("connect", r));
  s.write("GET /v1/ws HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
  const head = await new Promise<string>((r) => s.once("data", (d) => r(String(d))));
  assert.match(head, /^HTTP\/1\.1 101 /);
  s.pause();
  return {
    send(text) {
      const payload = Buffer.from(text);
      assert.ok(payload.length < 126);
      const mask = Buffer.from([1, 2, 3, 4]);
      const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
      s.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    },
    destroy: () => s.destroy(),
  };
}

const openSockets = () => metric("claw_websocket_connections");

function dbBytes(): number {
  return [m.storePath, `${m.storePath}-wal`].filter(existsSync).reduce((n, p) => n + statSync(p).size, 0);
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const url = m.provider.app.metricsUrl();
  assert.ok(url, "the metrics listener is up");
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

describe("an answer is the payer's alone", () => {
  test("a snooping socket sees the job in the feed but receives none of its chunks; the payer's token does", async () => {
    const { streamId } = await m.openStream(m.account(2), { deposit: price * 600n, duration: 600n, providerId });
    const snoop = await openSocket();
    const seen: string[] = [];
    snoop.on("message", (d) => seen.push(String(d)));
    snoop.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    const secret = "zebra-quartz-marmalade";
    const prompt = `${secret} one two three four five six seven eight nine ten eleven twelve`;
    const signer = await m.sessionSigner(m.account(2), streamId);
    const res = await m.post("/v1/chat/completions", { model: "echo-1", stream: true, messages: [{ role: "user", content: prompt }] }, signer);
    assert.equal(res.status, 200);
    const jobId = res.headers.get("x-claw-job")!;
    const token = res.headers.get("x-claw-watch")!;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, "the paid response carries the watch token");

    // The stranger learns the job id from the public feed and tries to watch it: with no token,
    // a made-up one, and the token of another job.
    await eventually(() => (seen.some((s) => s.includes(jobId)) ? true : undefined), 5_000, "the JobAccepted in the public feed");
    const thief = await openSocket();
    const stolen: string[] = [];
    thief.on("message", (d) => stolen.push(String(d)));
    thief.send(JSON.stringify({ type: "watch", jobId }));
    const thief2 = await openSocket();
    const stolen2: string[] = [];
    thief2.on("message", (d) => stolen2.push(String(d)));
    thief2.send(JSON.stringify({ type: "watch", jobId, token: `${token.slice(0, 42)}${token.endsWith("A") ? "B" : "A"}` }));
    const payer = await openSocket();
    const mine: string[] = [];
    payer.on("message", (d) => mine.push(String(d)));
    payer.send(JSON.stringify({ type: "watch", jobId, token }));

    const answer = await res.text();
    assert.ok(answer.includes("zebra"), "the payer's own SSE answer");
    await eventually(() => (mine.some((s) => s.includes('"type":"end"')) ? true : undefined), 5_000, "the payer's watch to end");
    assert.ok(mine.some((s) => s.includes('"type":"chunk"')), "the payer's watch gets chunks");
    for (const got of [stolen, stolen2]) {
      assert.ok(got.length > 0 && got.every((s) => JSON.parse(s).type === "error"), `the thief gets an error only: ${got.join(" ")}`);
      assert.ok(got.every((s) => !s.includes("zebra")));
    }
    assert.ok(seen.length > 0 && seen.every((s) => !s.includes(secret) && !s.includes("quartz") && !s.includes(token)), "the public feed carries no prompt, answer or token");
    const record = await (await fetch(`${m.provider.url}/v1/streams/${streamId}`)).text();
    assert.ok(!record.includes(token), "GET /v1/streams/:id does not hand out the watch token");
    for (const s of [snoop, thief, thief2, payer]) s.close();
  });

  test("a WebSocket upgrade from a foreign Origin is refused; the runtime's own origin and no Origin are not", async () => {
    await assert.rejects(openSocket({ origin: "http://evil.example" }), (err: { status?: number }) => err.status === 403);
    await assert.rejects(openSocket({ origin: "null" }), (err: { status?: number }) => err.status === 403);
    (await openSocket({ origin: m.provider.url })).close();
    (await openSocket()).close();
  });
});

describe("bounded per connection and per client", () => {
  test("1,000 `subscribe from:0` on one socket that never reads: bounded memory, /v1/models keeps answering", async () => {
    // A log worth replaying: 4,000 events of ~1 KB (as if from earlier refusals).
    const filler = Array.from({ length: 4_000 }, (_, i) => jobRejected({ code: "BUDGET_EXHAUSTED", status: 402, streamId: 10n ** 9n + BigInt(i), reason: "r".repeat(1_000) }));
    m.provider.store.append(filler);
    (globalThis as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    // Sockets of the tests before may still be closing: start from none.
    await eventually(async () => ((await openSockets()) === 0 ? true : undefined), 5_000, "no open socket");
    const open = 0;
    const ws = await nonReadingSocket();
    await eventually(async () => ((await openSockets()) === open + 1 ? true : undefined), 5_000, "the socket to be counted");
    const msg = JSON.stringify({ type: "subscribe", topic: "events", from: 0 });
    for (let i = 0; i < 1_000; i++) ws.send(msg);
    const started = performance.now();
    const models = await fetch(`${m.provider.url}/v1/models`);
    const modelsMs = performance.now() - started;
    assert.equal(models.status, 200);
    await eventually(async () => ((await openSockets()) === open ? true : undefined), 15_000, "the flooding socket to be dropped");
    const again = await fetch(`${m.provider.url}/v1/models`);
    assert.equal(again.status, 200);
    const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    // The bound: one socket holds at most a replay page and wsMaxBufferedBytes (1 MiB) of the log, whatever it sends.
    assert.ok(growthMb < 64, `RSS grew ${growthMb.toFixed(1)} MB (bound 64 MB); /v1/models answered in ${modelsMs.toFixed(0)} ms`);
    ws.destroy();
  });

  test("a subscriber that does not read its replay is disconnected", async () => {
    // Sockets of the tests before may still be closing: start from none.
    await eventually(async () => ((await openSockets()) === 0 ? true : undefined), 5_000, "no open socket");
    const open = 0;
    const ws = await nonReadingSocket();
    ws.send(JSON.stringify({ type: "subscribe", topic: "events", from: 0 }));
    await eventually(async () => ((await openSockets()) === open + 1 ? true : undefined), 5_000, "the socket to be counted");
    await eventually(async () => ((await openSockets()) === open ? true : undefined), 30_000, "the slow reader to be dropped");
    ws.destroy();
  });

  test("one subscription per socket, watch ids validated", async () => {
    const ws = await openSocket();
    const got: Array<{ type: string; code?: string }> = [];
    ws.on("message", (d) => got.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ type: "watch", jobId: "x".repeat(3_000), token: "y" }));
    ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    await eventually(() => (got.filter((x) => x.type === "error").length >= 2 ? true : undefined), 5_000, "two errors");
    const errors = got.filter((x) => x.type === "error");
    assert.equal(errors[0]!.code, "VALIDATION_FAILED");
    assert.equal(errors[1]!.code, "VALIDATION_FAILED");
    assert.ok(JSON.stringify(got).length < 2_000, "the 3,000-character id is not echoed");
    ws.close();
  });

  test("a body trickled byte by byte is cut by the request timeout (408)", async () => {
    const s = connect({ host: "127.0.0.1", port: Number(new URL(m.provider.url).port) });
    let answer = "";
    s.on("data", (b) => (answer += b.toString()));
    const closed = new Promise<void>((r) => s.on("close", () => r()));
    s.write("POST /v1/inference HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{");
    const drip = setInterval(() => s.writable && s.write(" "), 300);
    await closed;
    clearInterval(drip);
    assert.match(answer, /^HTTP\/1\.1 408 /, `answered: ${answer.slice(0, 120)}`);
  });

});

describe("cheap refusals", () => {
  test("a 5 MB multipart field without payment is refused unparsed, unechoed and unlogged", async () => {
    const form = new FormData();
    form.set("model", "m".repeat(5 * 2 ** 20));
    form.set("file", new Blob([new Uint8Array(100)]), "a.wav");
    const req = new Request("http://x/", { method: "POST", body: form });
    const raw = new Uint8Array(await req.arrayBuffer());
    const position = m.provider.store.lastPosition();
    const bytes = dbBytes();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${m.provider.url}/v1/audio/transcriptions`, { method: "POST", body: raw, headers: { "content-type": req.headers.get("content-type")! } });
      const text = await res.text();
      assert.equal(res.status, 402, text);
      assert.ok(text.length < 1_000, `the refusal is ${text.length} bytes`);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(m.provider.store.lastPosition(), position, "no event");
    assert.ok(dbBytes() - bytes <= 512, `the log grew ${dbBytes() - bytes} bytes`);
  });

  test("a multipart body of many parts is refused before it is parsed", async () => {
    const { streamId } = await m.openStream(m.account(3), { deposit: price * 600n, duration: 600n, providerId });
    const boundary = "b0undary";
    const body = `${Array.from({ length: 5_000 }, () => `--${boundary}\r\ncontent-disposition: form-data; name="x"\r\n\r\n\r\n`).join("")}--${boundary}--\r\n`;
    const signer = await m.sessionSigner(m.account(3), streamId);
    const headers = await signer.headers(body, { path: "/v1/audio/transcriptions" });
    const res = await fetch(`${m.provider.url}/v1/audio/transcriptions`, { method: "POST", body, headers: { ...headers, "content-type": `multipart/form-data; boundary=${boundary}` } });
    const json = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, 400);
    assert.equal(json.error.code, "VALIDATION_FAILED");
    assert.match(json.error.message, /more than 16 parts/);
  });

  test("a multipart body is checked against its proof over the raw bytes before it is parsed", async () => {
    const { streamId } = await m.openStream(m.account(3), { deposit: price * 600n, duration: 600n, providerId });
    const boundary = "b0undary";
    const body = "this is not a multipart body at all";
    const path = "/v1/audio/transcriptions";
    const type = `multipart/form-data; boundary=${boundary}`;
    // Signed by someone who is not the stream's sender: refused 401 before the unparseable body is looked at.
    const forged = await m.directSigner(m.account(5), streamId).headers(body, { path });
    const res = await fetch(`${m.provider.url}${path}`, { method: "POST", body, headers: { ...forged, "content-type": type } });
    assert.equal(res.status, 401, await res.clone().text());
    // The sender's own proof passes the check; only then is the body parsed (and found not multipart).
    const own = await m.directSigner(m.account(3), streamId).headers(body, { path });
    const parsed = await fetch(`${m.provider.url}${path}`, { method: "POST", body, headers: { ...own, "content-type": type } });
    assert.equal(parsed.status, 400);
    assert.equal(((await parsed.json()) as { error: { code: string } }).error.code, "BAD_REQUEST");
  });

  test("an aborted half-sent request adds no event and is counted at most once", async () => {
    const position = m.provider.store.lastPosition();
    const counted = await metric("claw_refusals_total");
    const s = connect({ host: "127.0.0.1", port: Number(new URL(m.provider.url).port) });
    await new Promise((r) => s.once("connect", r));
    s.write("POST /v1/inference HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-claw-stream: 7\r\ncontent-length: 1000\r\n\r\n{\"prompt\":");
    await new Promise((r) => setTimeout(r, 100));
    s.destroy();
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(runtimeEventsAfter(position).map((e) => e.type), []);
    const text = await (await fetch(`${m.provider.app.metricsUrl()}/metrics`)).text();
    assert.ok((await metric("claw_refusals_total")) - counted <= 1, text.split("\n").filter((l) => l.startsWith("claw_refusals_total")).join("\n"));
  });

  test("a verified payer's refusal is logged once (a replayed nonce)", async () => {
    const { streamId } = await m.openStream(m.account(4), { deposit: price * 600n, duration: 600n, providerId });
    const text = JSON.stringify({ prompt: "hi" });
    const headers = await m.directSigner(m.account(4), streamId).headers(text, { path: "/v1/inference", nonce: 7n });
    const send = () => fetch(`${m.provider.url}/v1/inference`, { method: "POST", body: text, headers: { "content-type": "application/json", ...headers } });
    assert.equal((await send()).status, 200);
    const before = m.provider.store.read({ types: ["JobRejected"] }).length;
    assert.equal((await send()).status, 409);
    const rejected = m.provider.store.read({ types: ["JobRejected"] });
    assert.equal(rejected.length, before + 1);
    const last = rejected.at(-1)!;
    assert.equal(last.type === "JobRejected" && last.data.code, "NONCE_REPLAYED");
    assert.equal(last.type === "JobRejected" && last.data.streamId, streamId);
  });
});

describe("operators can see it", () => {
  test("GET /metrics on its own loopback listener, not on the public port", async () => {
    const url = m.provider.app.metricsUrl()!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const name of ["claw_http_requests_total", "claw_refusals_total", "claw_jobs_total", "claw_metered_ms_total", "claw_metered_wei_total", "claw_queue_depth",
      "claw_queue_wait_seconds", "claw_event_loop_lag_seconds", "claw_store_append_seconds", "claw_chain_read_seconds", "claw_websocket_connections"]) {
      assert.ok(text.includes(`# TYPE ${name} `), `${name} is exported`);
    }
    assert.ok((await metric("claw_jobs_total", { outcome: "completed" })) >= 1);
    assert.ok((await metric("claw_http_requests_total", { route: "/v1/models", status: "200" })) >= 1);
    assert.equal((await fetch(`${m.provider.url}/metrics`)).status, 404);
  });
});

// Last: these leave 127.0.0.1 rate-limited for the rest of the minute.
describe("per-IP limits", () => {
  test("20,000 anonymous refusals add no events and no stream views; they are counted", async () => {
    const position = m.provider.store.lastPosition();
    const streams = m.provider.views.streams.size;
    const counted = await metric("claw_refusals_total", { logged: "false" });
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < 20_000) {
        const i = next++;
        const headers: Record<string, string> = { "content-type": "application/json", "x-claw-stream": String(5_000_000 + i) };
        // Half carry a well-formed proof for a stream that does not exist (a chain read each, until the limit).
        if (i % 2) Object.assign(headers, { "x-claw-nonce": String(i), "x-claw-deadline": "99999999999", "x-claw-signature": `0x${"11".repeat(65)}` });
        const r = await fetch(`${m.provider.url}/v1/inference`, { method: "POST", body: '{"prompt":"x"}', headers });
        await r.body?.cancel();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.ok([...statuses.keys()].every((s) => s === 401 || s === 402 || s === 429), `statuses ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(429) ?? 0) > 0, "the client is rate-limited after refusalsPerMinute");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(runtimeEventsAfter(position).map((e) => e.type), [], "no JobRejected (nor any job) event");
    assert.ok(![...m.provider.views.streams.keys()].some((id) => id >= 5_000_000n && id < 5_020_000n), "no stream view for an unverified id");
    assert.ok(m.provider.views.streams.size <= streams + 1);
    assert.equal((await metric("claw_refusals_total", { logged: "false" })) - counted, 20_000);
  });

  test("unpaid routes are rate-limited per IP: 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 150 && !statuses.includes(429); i++) {
      const r = await fetch(`${m.provider.url}/v1/models`);
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get("retry-after");
        assert.equal(((await r.json()) as { error: { code: string } }).error.code, "RATE_LIMITED");
      } else await r.body?.cancel();
    }
    assert.ok(statuses.includes(429), "a 429 within 150 requests (unpaidPerMinute: 100)");
    assert.ok(statuses.filter((x) => x === 200).length <= 100);
    assert.ok(retryAfter && Number(retryAfter) > 0, `Retry-After: ${retryAfter}`);
  });
});
