/**
 * Writer for checkpoint-crash.test.ts: a background-checkpointed log (small threshold) appended as
 * fast as it goes, new jobs after what the log holds. Prints `<last position>` after each append returned (stdout is a pipe: written
 * synchronously on Linux, so a printed line is an acknowledged append) and `busy <position>` when the
 * worker is inside a checkpoint right then.
 * Usage: node --import tsx runtime/store/testing/checkpoint-child.ts <db>
 */
import * as ev from "../../core/events.ts";
import { checkpointerOf } from "../checkpointer.ts";
import { openStore } from "../open.ts";

const store = openStore({ path: process.argv[2]!, driver: "better-sqlite3", checkpoint: "background", checkpointPages: 300, checkpointIntervalMs: 1 });
const ck = checkpointerOf(store)!;
await ck.ready();
process.stdout.write("ready\n");
for (let n = store.lastPosition(); ; n += 100) {
  const batch = Array.from({ length: 100 }, (_, i) => ev.jobAccepted({
    jobId: `j${n + i}`, streamId: 1n, offering: "echo", providerId: 1n, nonce: BigInt(n + i), bodyHash: "0x", signer: "0x",
    pricePerSecond: 1000n, task: "chat",
  }));
  const { stored } = store.append(batch);
  const last = stored[stored.length - 1]!.position;
  process.stdout.write(ck.stats().busy ? `busy ${last}\n` : `${last}\n`);
}
