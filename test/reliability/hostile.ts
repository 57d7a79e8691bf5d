/**
 * Hostile network (issue 13) as figures: a paying victim's 20-token job is metered unloaded, then
 * again while strangers flood the runtime from another address (127.0.0.2) with the attacks the
 * issue reproduced: non-reading WebSockets sending 1,000 `subscribe from:0` each, anonymous refused
 * requests with made-up streams, 5 MB multipart fields, bodies trickled a byte at a time. Reported:
 * the victim's metered-time inflation, the runtime's RSS growth, log bytes per anonymous refusal,
 * and how long a trickled body stays open.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { privateKeyToAccount } from "viem/accounts";
import { createSessionSigner } from "../../runtime/client/payment-signer.ts";
import type { ReliabilityMarket } from "./market.ts";
import { buildPaid, sendPaid } from "./paid.ts";

const ATTACKER = "127.0.0.2";

export type HostileReport = {
  victim: { unloadedMs: number[]; loadedMs: number[]; medianUnloadedMs: number; medianLoadedMs: number; inflationPct: number };
  rssMb: { before: number; max: number; growth: number };
  refusals: { sent: number; byStatus: Record<string, number>; logBytes: number; bytesPerRefusal: number; eventsAdded: number };
  ws: { sockets: number; subscribesSent: number };
  slowBody: { closedAfterMs: number[] };
  modelsDuringFloodMs: number[];
  failures: string[];
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([9, 8, 7, 6]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

/** A WebSocket that sends `count` subscriptions from position 0 and never reads a byte. */
function floodSocket(port: number, count: number, sockets: Set<Socket>): Promise<number> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port, localAddress: ATTACKER });
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    s.once("connect", () => {
      s.write("GET /v1/ws HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
      s.once("data", (d) => {
        if (!String(d).startsWith("HTTP/1.1 101")) return resolve(0);
        s.pause();
        const msg = frame(JSON.stringify({ type: "subscribe", topic: "events", from: 0 }));
        for (let i = 0; i < count; i++) s.write(msg);
        resolve(count);
      });
    });
  });
}

function post(port: number, path: string, headers: Record<string, string>, body: Buffer | string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers, localAddress: ATTACKER }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

/** Opens a request whose body arrives one byte every 2 s; resolves with how long it stayed open. */
function trickle(port: number, stop: () => boolean): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect({ host: "127.0.0.1", port, localAddress: ATTACKER });
    let timer: ReturnType<typeof setInterval> | undefined;
    s.on("error", () => undefined);
    s.on("close", () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
    s.once("connect", () => {
      s.write("POST /v1/inference HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{");
      timer = setInterval(() => (stop() ? s.destroy() : s.write(" ")), 2_000);
    });
  });
}

export async function runHostile(m: ReliabilityMarket, o: { price: bigint; model: string; providerId: bigint; victimJobs: number; progress?: (line: string) => void }): Promise<HostileReport> {
  const failures: string[] = [];
  const url = m.runtime.url;
  const port = Number(new URL(url).port);
  const account = privateKeyToAccount(m.keys[2]!);
  const { streamId } = await m.openStream(account, { deposit: o.price * 3_600n, duration: 3_600n, providerId: o.providerId });
  const signer = await createSessionSigner({ account, domain: m.domain, streamId, ttlSeconds: 86_400 });
  const prompt = Array.from({ length: 20 }, (_, i) => `word${i}`).join(" ");
  const victimJob = async () => {
    const out = await sendPaid(url, await buildPaid(signer, streamId, "inference", prompt, o.model));
    if (out.status !== 200 || out.meteredMs === undefined) throw new Error(`victim job: ${out.status} ${out.code ?? out.text.slice(0, 200)}`);
    return out.meteredMs;
  };
  const unloadedMs: number[] = [];
  for (let i = 0; i < o.victimJobs; i++) unloadedMs.push(await victimJob());

  const dbBytes = () => [m.storePath, `${m.storePath}-wal`].filter(existsSync).reduce((n, p) => n + statSync(p).size, 0);
  const rejectedNow = () => m.readLog().filter((e) => e.type === "JobRejected").length;
  const rejectedBefore = rejectedNow();
  const rssBefore = rssMb(m.runtime.pid);
  let rssMax = rssBefore;
  let stopped = false;
  const stop = () => stopped;
  const sockets = new Set<Socket>();
  const byStatus: Record<string, number> = {};
  let refusals = 0;
  let subscribesSent = 0;
  let wsSockets = 0;
  const big = (() => {
    const boundary = "hostileboundary";
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="model"\r\n\r\n`), Buffer.alloc(5 * 2 ** 20, 109), Buffer.from(`\r\n--${boundary}--\r\n`)]);
    return { body, type: `multipart/form-data; boundary=${boundary}` };
  })();
  const floods = [
    (async () => {
      while (!stopped) {
        if (sockets.size < 8) {
          wsSockets += 1;
          subscribesSent += await floodSocket(port, 1_000, sockets);
        } else await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    ...Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stopped; i++) {
        const headers = { "content-type": "application/json", "x-claw-stream": String(1e9 + w * 1e6 + i), "x-claw-nonce": String(i), "x-claw-deadline": "99999999999", "x-claw-signature": `0x${"11".repeat(65)}` };
        const status = await post(port, "/v1/inference", headers, '{"prompt":"x"}');
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        refusals += 1;
      }
    }),
    (async () => {
      while (!stopped) {
        const status = await post(port, "/v1/audio/transcriptions", { "content-type": big.type }, big.body);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        refusals += 1;
      }
    })(),
  ];
  const slow = Array.from({ length: 20 }, () => trickle(port, stop));
  const modelsDuringFloodMs: number[] = [];
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMb(m.runtime.pid));
    const t = performance.now();
    void fetch(`${url}/v1/models`).then(async (r) => {
      await r.body?.cancel();
      modelsDuringFloodMs.push(Math.round(performance.now() - t));
    }, () => modelsDuringFloodMs.push(-1));
  }, 500);
  // The log's growth per anonymous refusal, over 5 s of floods alone (the victim's jobs come after).
  await new Promise((r) => setTimeout(r, 1_000));
  const bytesBefore = dbBytes();
  const refusalsBefore = refusals;
  await new Promise((r) => setTimeout(r, 5_000));
  const logBytes = Math.max(0, dbBytes() - bytesBefore);
  const windowRefusals = refusals - refusalsBefore;
  o.progress?.(`hostile: ${windowRefusals} anonymous refusals in 5 s, log +${logBytes} bytes; victim jobs under load`);
  const loadedMs: number[] = [];
  try {
    for (let i = 0; i < o.victimJobs; i++) loadedMs.push(await victimJob());
    const closedAfterMs = await Promise.all(slow);
    stopped = true;
    clearInterval(sampler);
    for (const s of sockets) s.destroy();
    await Promise.all(floods);
    await new Promise((r) => setTimeout(r, 500));
    const eventsAdded = rejectedNow() - rejectedBefore;
    const u = median(unloadedMs);
    const l = median(loadedMs);
    const report: HostileReport = {
      victim: { unloadedMs, loadedMs, medianUnloadedMs: u, medianLoadedMs: l, inflationPct: Math.round(((l - u) / Math.max(1, u)) * 1000) / 10 },
      rssMb: { before: Math.round(rssBefore), max: Math.round(rssMax), growth: Math.round(rssMax - rssBefore) },
      refusals: { sent: refusals, byStatus, logBytes, bytesPerRefusal: Math.round((logBytes / Math.max(1, windowRefusals)) * 100) / 100, eventsAdded },
      ws: { sockets: wsSockets, subscribesSent },
      slowBody: { closedAfterMs },
      modelsDuringFloodMs,
      failures,
    };
    if (report.victim.inflationPct > 25) failures.push(`the victim's metered time grew ${report.victim.inflationPct}% under the floods (bound 25%)`);
    if (eventsAdded > 0) failures.push(`${eventsAdded} JobRejected events from anonymous requests`);
    if (modelsDuringFloodMs.includes(-1)) failures.push("GET /v1/models failed during the floods");
    return report;
  } finally {
    stopped = true;
    clearInterval(sampler);
    for (const s of sockets) s.destroy();
  }
}
