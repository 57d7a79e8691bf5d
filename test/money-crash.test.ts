/**
 * Delivered work survives a crash (issue 12): the runtime is SIGKILLed in the middle of a streamed
 * answer; on restart the job is billed up to its last durable progress (JobProgress, written every
 * progressMs while output flows) — never less, never above its reservation — the stream is settled
 * for that, and `claw audit` reconciles the log with the chain to the wei.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createSessionSigner } from "../runtime/client/payment-signer.ts";
import type { StoredEvent } from "../runtime/core/events.ts";
import { runClawAudit } from "./reliability/audit.ts";
import { startReliabilityMarket, waitFor, type ReliabilityMarket } from "./reliability/market.ts";

const price = 1_000_000n;
const progressMs = 200;
let m: ReliabilityMarket;

before(async () => {
  m = await startReliabilityMarket({
    offerings: [{ model: "echo-10", backend: "echo", options: { tokensPerSecond: 10 }, pricePerSecond: price }],
    settlement: { idleSeconds: 2, minJobMs: 100, progressMs },
  });
  await m.startRuntime();
});
after(async () => m?.close());

test("kill -9 mid-answer, restart: billed for the last durable progress, settled, audit clean", { timeout: 120_000 }, async (t) => {
  const consumer = m.account(2);
  const providerId = m.runtime.offerings[0]!.providerId;
  const deposit = price * 600n;
  const { streamId } = await m.openStream(consumer, { deposit, duration: 600n, providerId });
  const signer = await createSessionSigner({ account: consumer, domain: m.domain, streamId, ttlSeconds: 3600 });
  const prompt = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ");
  const body = JSON.stringify({ model: "echo-10", stream: true, messages: [{ role: "user", content: prompt }] });
  const res = await fetch(`${m.runtime.url}/v1/chat/completions`, {
    method: "POST", body, headers: { "content-type": "application/json", ...(await signer.headers(body, { path: "/v1/chat/completions" })) },
  });
  assert.equal(res.status, 200);
  const jobId = res.headers.get("x-claw-job")!;
  const reader = res.body!.getReader();
  let seen = "";
  // About 1.5 s of answer (15 words at 10/s), then the process dies with no chance to clean up.
  while (!seen.includes("w15")) seen += new TextDecoder().decode((await reader.read()).value);
  await m.runtime.kill();
  await reader.cancel().catch(() => undefined);

  const ofJob = (type: string) => m.readLog().filter((e) => e.type === type && (e.data as { jobId?: string }).jobId === jobId);
  const progress = ofJob("JobProgress") as Array<StoredEvent<"JobProgress">>;
  assert.ok(progress.length > 0, "progress was durable before the kill");
  assert.equal(ofJob("JobCompleted").length + ofJob("JobFailed").length, 0, "the job was open at the kill");
  const last = progress.at(-1)!.data;

  await m.startRuntime();
  const [failed] = ofJob("JobFailed") as Array<StoredEvent<"JobFailed">>;
  assert.ok(failed, "recovered at restart");
  assert.equal(failed.data.code, "JOB_INTERRUPTED");
  assert.equal(failed.data.meteredMs, last.deliveredMs, "billed exactly its last durable progress");
  assert.equal(failed.data.cost, (last.deliveredMs * price) / 1000n);
  assert.ok(failed.data.cost > 0n && failed.data.cost <= last.reservedWei, "never above its reservation");
  // The consumer saw ~15 words (one per 100 ms): what it received past the billed progress is
  // at most progressMs of output plus the words in flight when the process died.
  const received = (seen.match(/"content":"[^"]/g) ?? []).length;
  t.diagnostic(`received ${received} chunks; billed ${last.chunks} chunks = ${last.deliveredMs} ms (${failed.data.cost} wei)`);
  assert.ok(last.chunks <= received + 1 && received - last.chunks <= progressMs / 100 + 3, `received ${received}, billed ${last.chunks}`);

  const settled = await waitFor(() => m.readLog().find((e) => e.type === "StreamSettled" && e.data.streamId === streamId), 30_000, "StreamSettled");
  assert.ok(settled.type === "StreamSettled");
  assert.equal(settled.data.earned, failed.data.cost, "settled for the recovered job's cost");
  assert.equal(settled.data.refund, deposit - failed.data.cost);
  await m.runtime.stop();
  const audit = await runClawAudit(m);
  assert.equal(audit.exitCode, 0, audit.diffs.join("\n") || audit.stderr);
});
