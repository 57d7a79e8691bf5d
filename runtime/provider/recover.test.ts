import assert from "node:assert/strict";
import { test } from "node:test";
import { jobAccepted, jobCompleted, jobStarted } from "../core/events.ts";
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
