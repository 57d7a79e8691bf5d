/**
 * Issue 21 phase 2: provider runtimes (in-process startProvider, same wallet) sharing ONE PostgreSQL
 * log, on anvil with the real contracts. Across the instances: a nonce is served once, a 1-slot
 * stream runs one job at a time, one settler settles each stream once for what every instance
 * metered, the settler role moves when its holder closes, and a dead instance's job is closed by
 * the settler once its slot expires. Skips without PostgreSQL (fails under CI=true).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Hex } from "viem";
import { jobAccepted, jobProgress, jobStarted, type StoredEvent } from "../runtime/core/events.ts";
import type { RunningProvider } from "../runtime/provider/start.ts";
import { openAsyncStore } from "../runtime/store/async-open.ts";
import type { AsyncEventStore } from "../runtime/store/async-types.ts";
import { freshDatabase, postgresSkip } from "../runtime/store/testing/postgres.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";
import { startSharedInstance } from "./support/shared-instance.ts";

const skip = postgresSkip();
const url = skip ? "" : await freshDatabase();
const PRICE = 1_000_000n;
const PATH = "/v1/chat/completions";
const body = (tag: string) => JSON.stringify({ model: "echo-slow", messages: [{ role: "user", content: `one two three four five six ${tag}` }] });

describe("runtime instances sharing one PostgreSQL log", { skip, timeout: 120_000 }, () => {
  let m: Market;
  let log: AsyncEventStore;
  const instances: RunningProvider[] = [];
  let key: Hex;
  let sqliteHealth: unknown;

  async function startInstance(): Promise<RunningProvider> {
    const p = await startSharedInstance(m, url, key, { offering: { model: "echo-slow", tokensPerSecond: 20, pricePerSecond: PRICE }, idleSeconds: 2, slotTtlMs: 1_500 });
    instances.push(p);
    return p;
  }
  const health = async (p: RunningProvider) => (await (await fetch(`${p.url}/health`)).json()) as
    { store: { driver: string }; instance: { id: string; roles: { settler: boolean; watcher: boolean } } };
  const live = () => instances.filter((p) => !closed.has(p));
  const closed = new Set<RunningProvider>();
  async function settlerOf(): Promise<RunningProvider | undefined> {
    const held = [];
    for (const p of live()) if ((await health(p)).instance.roles.settler) held.push(p);
    assert.ok(held.length <= 1, "two instances hold the settler role at once");
    return held[0];
  }
  async function openStream(deposit: bigint, duration = 3600n) {
    const p = live()[0]!;
    const { streamId } = await m.openStream(m.account(4), { deposit, duration, providerId: p.offerings[0]!.providerId, recipient: p.clients.address });
    return { streamId, signer: m.directSigner(m.account(4), streamId) };
  }
  const send = (p: RunningProvider, text: string, proof: Record<string, string>) =>
    fetch(`${p.url}${PATH}`, { method: "POST", body: text, headers: { "content-type": "application/json", ...proof } });
  // A PostgreSQL read shows rows below the oldest transaction in flight on the whole server (other
  // test files use it too): first wait until it shows everything the instances' copies hold.
  const caughtUp = async () => {
    const want = Math.max(...live().map((p) => p.store.lastPosition()));
    await eventually(async () => ((await log.lastPosition()) >= want ? true : undefined), 15_000, "the log to show every instance's events");
  };
  const events = async (streamId: bigint, type: StoredEvent["type"]) => {
    await caughtUp();
    return (await log.read({ types: [type] })).filter((e) => (e.data as { streamId?: bigint }).streamId === streamId);
  };

  before(async () => {
    m = await startMarket();
    key = m.keys[3]!;
    sqliteHealth = await (await fetch(`${m.provider.url}/health`)).json();
    await m.provider.close(); // the market's own SQLite runtime (another wallet) is not needed
    log = await openAsyncStore({ url });
    // Started together: migration and registration are serialized in the database.
    await Promise.all([startInstance(), startInstance()]);
  }, { timeout: 90_000 });
  after(async () => {
    for (const p of instances) await p.close().catch(() => undefined);
    await log?.close();
    await m?.close();
  });

  test("a runtime on its SQLite log (the default) reports its driver, is ready and holds both roles", () => {
    const h = sqliteHealth as { ok: boolean; store: { driver: string }; instance: { ready: boolean; roles: unknown } };
    assert.equal(h.ok, true);
    assert.ok(["better-sqlite3", "node:sqlite"].includes(h.store.driver), h.store.driver);
    assert.equal(h.instance.ready, true);
    assert.deepEqual(h.instance.roles, { settler: true, watcher: true });
  });

  test("both instances run on PostgreSQL, registered one offering once, and exactly one holds each role", async () => {
    const [a, b] = instances;
    assert.equal(a!.offerings[0]!.providerId, b!.offerings[0]!.providerId, "the second instance found the first one's registration");
    await caughtUp();
    assert.equal((await log.read({ types: ["ProviderRegistered"] })).length, 1, "one registration (one bond)");
    const hs = [await health(a!), await health(b!)];
    assert.deepEqual(hs.map((h) => h.store.driver), ["postgres", "postgres"]);
    assert.notEqual(hs[0]!.instance.id, hs[1]!.instance.id);
    assert.equal(hs.filter((h) => h.instance.roles.settler).length, 1, "one settler");
    assert.equal(hs.filter((h) => h.instance.roles.watcher).length, 1, "one watcher");
  });

  test("a proof served by one instance is refused NONCE_REPLAYED by the other, also when sent to both at once", async () => {
    const [a, b] = instances;
    const { signer } = await openStream(PRICE * 4n * 3600n); // 4 slots
    const text = body("replay");
    const proof = await signer.headers(text, { path: PATH });
    const first = await send(a!, text, proof);
    assert.equal(first.status, 200, await first.clone().text());
    const again = await send(b!, text, proof);
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, "NONCE_REPLAYED");
    // 6 proofs, each sent to both instances at the same moment: each served exactly once.
    const proofs = await Promise.all([0, 1, 2, 3, 4, 5].map(async (i) => ({ text: body(`r${i}`), proof: await signer.headers(body(`r${i}`), { path: PATH }) })));
    const replies = await Promise.all(proofs.flatMap(({ text, proof }) => [send(a!, text, proof), send(b!, text, proof)]));
    const statuses = await Promise.all(replies.map(async (r) => `${r.status}${r.status === 200 ? "" : ` ${((await r.json()) as { error: { code: string } }).error.code}`}`));
    for (let i = 0; i < 6; i++) {
      assert.deepEqual([statuses[2 * i], statuses[2 * i + 1]].sort(), ["200", "409 NONCE_REPLAYED"], `proof ${i}: ${statuses[2 * i]} / ${statuses[2 * i + 1]}`);
    }
  });

  test("a 1-slot stream runs one job at a time across instances: the second waits for the first to end", async () => {
    const [a, b] = instances;
    const { streamId, signer } = await openStream(PRICE * 3600n); // rate == price: floor(rate / price) = 1
    const texts = [body("slot-a"), body("slot-b")];
    const proofs = await Promise.all(texts.map((t) => signer.headers(t, { path: PATH })));
    const replies = await Promise.all([send(a!, texts[0]!, proofs[0]!), send(b!, texts[1]!, proofs[1]!)]);
    assert.deepEqual(replies.map((r) => r.status), [200, 200], "both served, one after the other");
    const started = await events(streamId, "JobStarted");
    const ended = await events(streamId, "JobCompleted");
    assert.equal(started.length, 2);
    assert.equal(ended.length, 2);
    const [first, second] = started.sort((x, y) => x.position - y.position);
    const firstEnd = ended.find((e) => (e.data as { jobId: string }).jobId === (first!.data as { jobId: string }).jobId)!;
    assert.ok(second!.position > firstEnd.position, "the second job started only after the first one's ending was written");
    assert.ok(second!.time >= firstEnd.time);
    await eventually(async () => ((await log.slotsInUse(streamId)) === 0 ? true : undefined), 10_000, "both slots released");
  });

  test("the stream is settled once, by the settler, for what both instances metered", async () => {
    const [a, b] = instances;
    const { streamId, signer } = await openStream(PRICE * 2n * 3600n);
    for (const [p, t] of [[a!, "s1"], [b!, "s2"], [a!, "s3"]] as const) {
      const text = body(t);
      const res = await send(p, text, await signer.headers(text, { path: PATH }));
      assert.equal(res.status, 200);
    }
    const settled = await eventually(async () => (await events(streamId, "StreamSettled"))[0], 30_000, "the stream settled");
    const metered = (await events(streamId, "JobCompleted")).reduce((sum, e) => sum + (e.data as { cost: bigint }).cost, 0n);
    assert.ok(metered > 0n);
    assert.equal((settled.data as { earned: bigint }).earned, metered, "the settler settled every instance's jobs, to the wei");
    assert.equal((await events(streamId, "SettlementSubmitted")).length, 1, "one settle transaction");
    assert.equal((await events(streamId, "SettlementFailed")).length, 0);
  });

  test("while the settler holds a stream's slots (settling it), no instance admits a job on it", async () => {
    const [a, b] = instances;
    const { streamId, signer } = await openStream(PRICE * 2n * 3600n); // 2 slots
    const hold = await b!.runtimeStore.holdAllSlots!(streamId, 2, 60_000);
    assert.ok(hold, "no job held a slot");
    const text = body("while-settling");
    const reply = send(a!, text, await signer.headers(text, { path: PATH }));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await events(streamId, "JobAccepted")).length, 0, "nothing admitted while the slots are held");
    await hold.release();
    assert.equal((await reply).status, 200, "served once they are released");
    await eventually(async () => ((await log.slotsInUse(streamId)) === 0 ? true : undefined), 10_000, "every slot released");
  });

  test("a dead instance's job holds its slot until it expires, then the settler closes it as interrupted and settles it", async () => {
    const [a] = instances;
    const { streamId, signer } = await openStream(PRICE * 3600n); // 1 slot
    // An instance that dies mid-job: its job is in the log with a slot and durable progress, and never ends.
    const jobId = "dead-instance-job";
    const admitted = await log.admitJob(jobAccepted({
      jobId, streamId, offering: "echo-slow", providerId: a!.offerings[0]!.providerId, nonce: 424242n, bodyHash: "0x00", signer: m.account(4).address, pricePerSecond: PRICE, task: "chat",
    }), { slot: { capacity: 1, holder: `dead/${jobId}`, ttlMs: 1_500 } });
    assert.equal(admitted.admitted, true);
    await log.append([jobStarted({ jobId, streamId, queuedMs: 0 }), jobProgress({ jobId, streamId, deliveredMs: 300n, chunks: 3, reservedWei: PRICE * 10n })]);
    const text = body("after-death");
    const res = await send(a!, text, await signer.headers(text, { path: PATH }));
    assert.equal(res.status, 200, "served once the dead job's slot expired");
    const failed = await eventually(async () => (await events(streamId, "JobFailed")).find((e) => (e.data as { jobId: string }).jobId === jobId), 15_000, "the dead job closed");
    assert.equal((failed.data as { code: string }).code, "JOB_INTERRUPTED");
    assert.equal((failed.data as { cost: bigint }).cost, 300n * PRICE / 1000n, "billed up to its last durable progress");
    const settled = await eventually(async () => (await events(streamId, "StreamSettled"))[0], 30_000, "the stream settled");
    const metered = [...await events(streamId, "JobCompleted"), failed].reduce((sum, e) => sum + (e.data as { cost: bigint }).cost, 0n);
    assert.equal((settled.data as { earned: bigint }).earned, metered);
  });

  test("the settler role moves to another instance when its holder closes, and the new holder settles", async () => {
    const holder = await eventually(() => settlerOf(), 10_000, "a settler");
    await holder.close();
    closed.add(holder);
    const next = await eventually(() => settlerOf(), 10_000, "a new settler");
    assert.notEqual(next, holder);
    await eventually(async () => ((await health(next)).instance.roles.watcher ? true : undefined), 10_000, "the watcher role moved too");
    const { streamId, signer } = await openStream(PRICE * 3600n);
    const text = body("after-handover");
    assert.equal((await send(next, text, await signer.headers(text, { path: PATH }))).status, 200);
    const settled = await eventually(async () => (await events(streamId, "StreamSettled"))[0], 30_000, "settled by the new settler");
    assert.equal((settled.data as { earned: bigint }).earned, ((await events(streamId, "JobCompleted"))[0]!.data as { cost: bigint }).cost);
  });
});
