/**
 * The floor: the bare Fastify echo plus only what every paid job must do by protocol, with the
 * runtime's own parts, and nothing else (no payment headers, no guard, no ledger, no queue).
 *   POST /floor/receipt  the echo + the body hash, the output digest and the job's receipt signed
 *                        by the provider's key (the EIP-712 digest, libsecp256k1 as the runtime does)
 *   POST /floor/paid     the same + the job's three durable log events (JobAccepted, JobStarted,
 *                        JobCompleted), appended in order and each awaited, to a real SQLite log
 *                        through the runtime's group committer, with the runtime's store defaults
 * Whatever the paid runtime reaches, it cannot reach more than this floor on the same machine: it is
 * the ceiling the "paid ≥ 0.8x bare" goal is held against (bench/README.md).
 * Runs in its own process (child.ts) so its CPU time is its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Fastify from "fastify";
import { privateKeyToAccount } from "viem/accounts";
import { createBackend, loadPlugin } from "../../plugins/loader.ts";
import { jobAccepted, jobCompleted, jobStarted } from "../../runtime/core/events.ts";
import { newJobId } from "../../runtime/core/job-id.ts";
import { bodyHashOf, paymentDomain } from "../../runtime/core/payment.ts";
import { outputDigest, receiptToWire } from "../../runtime/core/receipt.ts";
import { createReceiptSigner } from "../../runtime/provider/receipt-signer.ts";
import { sqliteRuntimeStore } from "../../runtime/provider/runtime-store.ts";
import { openStore } from "../../runtime/store/index.ts";
import { serveBench } from "./child.ts";
import { settleWal } from "./settle-wal.ts";

// anvil's first well-known development key: a throwaway key for a local measurement.
const key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const account = privateKeyToAccount(key);
const receipts = createReceiptSigner(account, paymentDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"), { privateKey: key });
const dir = mkdtempSync(join(tmpdir(), "claw-floor-"));
// Removed however the process ends (a parent that dies makes it exit: child.ts).
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
const log = sqliteRuntimeStore(openStore({ path: join(dir, "events.db"), durability: "normal", checkpoint: "background" }));

const root = resolve(import.meta.dirname, "../..");
const echo = await createBackend(await loadPlugin("echo", { root }), { tokensPerSecond: 0 });
const app = Fastify({ logger: false });
// The raw bytes are what a paid request's proof and receipt are over.
app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, raw, done) => {
  try {
    done(null, { raw, json: JSON.parse(raw.toString("utf8")) });
  } catch (err) {
    done(err as Error, undefined);
  }
});

type Parsed = { raw: Buffer; json: { prompt: string; model: string } };
let nonce = 0n;

async function serve(body: Parsed, logged: boolean) {
  const jobId = newJobId(Date.now());
  const streamId = 1n;
  const requestHash = bodyHashOf(body.raw);
  if (logged) {
    await log.accept(jobAccepted({
      jobId, streamId, offering: body.json.model, providerId: 1n, nonce: ++nonce, bodyHash: requestHash, signer: account.address, pricePerSecond: 1000n, task: "completion",
    }));
    await log.append(jobStarted({ jobId, streamId, queuedMs: 0 }));
  }
  const started = performance.now();
  let text = "";
  for await (const c of echo.infer({ task: "completion", id: jobId, model: body.json.model, prompt: body.json.prompt }, new AbortController().signal)) if (c.type === "text") text += c.text;
  const meteredMs = BigInt(Math.ceil(performance.now() - started));
  const cost = meteredMs * 1000n;
  if (logged) await log.append(jobCompleted({ jobId, streamId, meteredMs, cost, tokens: {} }));
  const receipt = await receipts.sign({
    streamId, nonce, requestHash, jobId, model: body.json.model, meteredMs, cost, cumulativeCost: cost, ttftMs: 0n, outputHash: outputDigest({ text }),
  });
  return { response: text, claw: { jobId, cost: cost.toString(), receipt: receiptToWire(receipt) } };
}

app.post("/floor/receipt", async (request) => serve(request.body as Parsed, false));
app.post("/floor/paid", async (request) => serve(request.body as Parsed, true));
const url = await app.listen({ host: "127.0.0.1", port: 0 });
serveBench({ url }, { settleWal: async () => { await log.flush(); return settleWal(log.log); } }, async () => {
  await app.close();
  await log.close();
});
