/**
 * A test child process for instance-lock.test.ts: waits for "go" on stdin, tries to take the lock of
 * the log named in argv, prints `won` or `locked <code>` (or `error <message>`), then holds what it got
 * until stdin closes or it is killed. Holding on is what makes "exactly one wins" a real check:
 * a winner that released at once would let a later starter win too.
 */
import { createInterface } from "node:readline";
import { acquireInstanceLock } from "./instance-lock.ts";

const log = process.argv[2]!;
const lines = createInterface({ input: process.stdin });
process.stdout.write("ready\n");
lines.once("line", () => {
  try {
    acquireInstanceLock(log);
    process.stdout.write("won\n");
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.stdout.write(code === "STORE_LOCKED" ? `locked ${code}\n` : `error ${(err as Error).message}\n`);
  }
});
lines.once("close", () => process.exit(0));
