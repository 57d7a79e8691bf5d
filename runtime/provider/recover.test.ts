import assert from "node:assert/strict";
import { test } from "node:test";
import { jobAccepted, jobCompleted, jobProgress, jobStarted } from "../core/events.ts";
import { openStore } from "../store/index.ts";
import { recover } from "./recover.ts";

const accepted = (i: number) => jobAccepted({ jobId: `j${i}`, streamId: 1n, offering: "echo", providerId: 1n, nonce: BigInt(i), bodyHash: "0x", signer: "0x", pricePerSecond: 1000n, task: "chat" });
const completed = (i: number) => jobCompleted({ jobId: `j${i}`, streamId: 1n, meteredMs: 5n, cost: 5n, tokens: {} });

test("the live job view keeps every open job and only the most recent ended ones, at start and while serving", () => {
  const store = openStore({ path: ":memory:" });
  for (let i = 0; i < 30; i++) store.append([accepted(i), completed(i)]);
  store.append([accepted(30), jobStarted({ jobId: "j30", streamId: 1n, queuedMs: 0 })]); // died mid-job
  const views = recover(store, { keepEndedJobs: 10 });
  assert.equal(views.jobs.size, 10, "the 10 newest ended jobs (j30 was recovered as failed)");
  assert.equal(views.jobs.get("j30")?.status, "failed");
  assert.equal(views.jobs.has("j20"), false);
  assert.equal(views.streams.get(1n)?.jobs, 31, "stream totals still count every job");
  store.append(accepted(31));
  assert.equal(views.jobs.get("j31")?.status, "accepted", "open jobs are never dropped");
  for (let i = 32; i < 60; i++) store.append([accepted(i), completed(i)]);
  assert.equal(views.jobs.get("j31")?.status, "accepted");
  assert.equal(views.jobs.size, 11);
  assert.equal(views.jobs.has("j59"), true);
  assert.equal(views.jobs.has("j49"), false);
  assert.equal(views.streams.get(1n)?.metered, 5n * 58n);
  store.close();
});

test("a job open at a crash is billed up to its last durable progress, never above its reservation; without progress, nothing", () => {
  const store = openStore({ path: ":memory:" });
  const progress = (i: number, deliveredMs: bigint, chunks: number, reservedWei: bigint) => jobProgress({ jobId: `j${i}`, streamId: 1n, deliveredMs, chunks, reservedWei });
  store.append([accepted(1), jobStarted({ jobId: "j1", streamId: 1n, queuedMs: 0 }), progress(1, 400n, 4, 120_000n), progress(1, 900n, 9, 120_000n)]);
  store.append([accepted(2), jobStarted({ jobId: "j2", streamId: 1n, queuedMs: 0 }), progress(2, 9_000n, 90, 5_000n)]); // progress past its reservation
  store.append([accepted(3), jobStarted({ jobId: "j3", streamId: 1n, queuedMs: 0 })]); // no output yet
  const views = recover(store);
  const ended = (id: string) => store.read({ types: ["JobFailed"] }).find((e) => e.type === "JobFailed" && e.data.jobId === id);
  const j1 = ended("j1");
  const j2 = ended("j2");
  const j3 = ended("j3");
  assert.ok(j1?.type === "JobFailed" && j2?.type === "JobFailed" && j3?.type === "JobFailed");
  assert.deepEqual([j1.data.code, j1.data.meteredMs, j1.data.cost], ["JOB_INTERRUPTED", 900n, 900n], "the last progress, at 1000 wei/s");
  assert.deepEqual([j2.data.meteredMs, j2.data.cost], [5_000n, 5_000n], "capped at the 5,000 wei reservation");
  assert.deepEqual([j3.data.meteredMs, j3.data.cost], [0n, 0n]);
  assert.equal(views.streams.get(1n)?.metered, 5_900n, "the stream's metered total includes what the crash billed");
  store.close();
});
