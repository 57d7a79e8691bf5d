/**
 * The provider runtime as its own process, so that it can be SIGKILLed at any moment and measured
 * on its own (memory, CPU). It starts exactly what `claw start` starts (startProvider) from a plan
 * file written by the parent, then prints one line `ready {"url", "pid", "offerings": [{ model, providerId }]}`.
 * Commands on stdin, one per line: `mem` -> prints `mem <json>` after a full GC (needs --expose-gc).
 * SIGTERM -> graceful shutdown, exit 0.
 * Usage: node --expose-gc --import tsx test/reliability/runtime-child.ts <plan.json>
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import pino from "pino";
import type { Address } from "viem";
import { parseConfig } from "../../config/load.ts";
import type { ClawConfigInput } from "../../config/schema.ts";
import { startProvider } from "../../runtime/provider/start.ts";

export type RuntimePlan = {
  config: ClawConfigInput;
  privateKey: string;
  chain: { rpcUrl: string; chainId: number; contracts: { registry: Address; streamPay: Address }; fromBlock: string };
  graceMs?: number;
};

const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as RuntimePlan;
const config = parseConfig(plan.config);
const provider = await startProvider({
  config,
  env: { PRIVATE_KEY: plan.privateKey },
  chain: { ...plan.chain, fromBlock: BigInt(plan.chain.fromBlock) },
  logger: pino({ level: config.log.level }, pino.destination(2)),
  graceMs: plan.graceMs ?? 2_000,
});
const offerings = provider.offerings.map((o) => ({ model: o.model, providerId: o.providerId.toString() }));
process.stdout.write(`ready ${JSON.stringify({ url: provider.url, pid: process.pid, offerings })}\n`);

const gc = (globalThis as { gc?: () => void }).gc;
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "mem") return;
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`mem ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, jobsInView: provider.views.jobs.size, cpu: process.cpuUsage() })}\n`);
});
process.once("SIGTERM", () => {
  void provider.close().then(() => process.exit(0), () => process.exit(1));
});
