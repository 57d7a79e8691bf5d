/**
 * Crash-test writer: appends jobs to the log as fast as it can and prints one line per event
 * AFTER its append returned (= acknowledged): `<position> <jobId>`. Stdout is a pipe, which Node
 * writes synchronously on Linux, so a printed line means the append had already returned.
 * Usage: node --import tsx test/store-crash-child.ts <db> <driver> <durability> <round>
 */
import * as ev from "../runtime/core/events.ts";
import type { DriverName } from "../runtime/store/driver.ts";
import { openStore } from "../runtime/store/open.ts";

const [path, driver, durability, round] = process.argv.slice(2) as [string, DriverName, "normal" | "full", string];
const store = openStore({ path, driver, durability });
process.stdout.write("ready\n");
let i = 0;
let nonce = BigInt(Number(round) * 1_000_000);
for (;;) {
  const size = 1 + (i % 7 === 0 ? 20 : i % 3);
  const batch: ev.NewEvent[] = [];
  for (let k = 0; k < size; k++) {
    const jobId = `r${round}-${i}-${k}`;
    nonce += 1n;
    batch.push(ev.jobAccepted({ jobId, streamId: 1n, offering: "echo", providerId: 1n, nonce, bodyHash: "0x", signer: "0x",
      pricePerSecond: 1000n, task: "chat" }));
    if (k % 2 === 1) batch.push(ev.jobCompleted({ jobId, streamId: 1n, meteredMs: 5n, cost: 5n, tokens: {} }));
  }
  // A replayed nonce every few appends: must come back as a duplicate, never stored.
  if (i % 5 === 4) batch.push(ev.jobAccepted({ jobId: `dup-${round}-${i}`, streamId: 1n, offering: "echo", providerId: 1n, nonce,
    bodyHash: "0x", signer: "0x", pricePerSecond: 1000n, task: "chat" }));
  const { stored } = store.append(batch);
  let out = "";
  for (const e of stored) out += `${e.position} ${(e.data as { jobId: string }).jobId}\n`;
  process.stdout.write(out);
  i++;
}
