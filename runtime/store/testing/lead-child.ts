/**
 * A child process that takes a leadership and holds it until killed (leader-crash.test.ts).
 * argv: <postgres URL or SQLite path> <role name>. Prints "leading <session>" or "not-leading".
 */
import { openAsyncStore } from "../async-open.ts";

const [where, name] = process.argv.slice(2);
const store = await openAsyncStore({ url: where, path: where, leaderHeartbeatMs: 200 });
const lease = await store.tryLead(name!);
console.log(lease ? `leading ${lease.session}` : "not-leading");
setInterval(() => undefined, 60_000);
