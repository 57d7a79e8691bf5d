/**
 * `npm run test:mutants` (root) / `npm run mutants` (contracts/): applies each named mutant below to
 * a scratch copy of contracts/ (src, test, config; node_modules linked), runs the Solidity suites
 * there (all but the slow RegistrySpam set-up) and expects them to FAIL. Passes only if every mutant is killed; the real tree is never
 * touched. Each mutant is a bug the suite is meant to catch (the first two are issue 14's, the next
 * five issue 22's, the last the rating-gas fix: reputation slots filled at registration).
 * Compiled with the `mutants` build profile (no viaIR, no optimizer: seconds instead of a minute of
 * solc-js per copy); the unmutated copy runs first and must pass.
 * Options: `--only <name>` runs one mutant; `--jobs n` (default 2) runs n mutants at a time.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

type Mutant = { name: string; file: string; find: string; replace: string; why: string };

const pushOrRevert = (to: string, amount: string) => `{ (bool sentM,) = ${to}.call{value: ${amount}}(""); require(sentM); }`;

export const mutants: Mutant[] = [
  {
    name: "batch-reverts-when-recipient-refuses",
    file: "src/StreamPay.sol",
    find: "_push(streamId, recipient, toRecipient);",
    replace: pushOrRevert("recipient", "toRecipient"),
    why: "a recipient that refuses coin would block every keeper batch holding its stream",
  },
  {
    name: "settle-reverts-when-sender-refuses-refund",
    file: "src/StreamPay.sol",
    find: "_push(streamId, sender, refund);",
    replace: pushOrRevert("sender", "refund"),
    why: "a sender that refuses coin would stop the provider from ever settling",
  },
  {
    name: "keeper-fee-within-grace",
    file: "src/StreamPay.sol",
    find: "since >= duration + KEEPER_GRACE && ",
    replace: "",
    why: "a keeper would skim the recipient right at the end",
  },
  {
    name: "keeper-fee-for-a-party",
    file: "src/StreamPay.sol",
    find: " && msg.sender != recipient && msg.sender != s.sender",
    replace: "",
    why: "the sender could take 0.1% of what it owes the recipient",
  },
  {
    name: "settle-for-zero-counts-a-job",
    file: "src/StreamPay.sol",
    find: "providerId != 0 && amount != 0",
    replace: "providerId != 0",
    why: "completedJobs would count refunds",
  },
  {
    name: "self-attribution-allowed",
    file: "src/StreamPay.sol",
    find: "if (providerId != 0 && recipient == msg.sender) revert Errors.SelfAttribution(providerId, recipient);",
    replace: "",
    why: "a provider could pay itself for reputation",
  },
  {
    name: "registry-accepted-as-recipient",
    file: "src/StreamPay.sol",
    find: " || recipient == address(registry)",
    replace: "",
    why: "coin streamed to the registry could never be taken out",
  },
  // Issue 22: the five the v2 suite let survive, as they read in v3's code.
  {
    name: "retired-entry-keeps-list-link",
    file: "src/ComputeRegistry.sol",
    find: "        r.nextByModel = 0;\n        r.active = false;",
    replace: "        r.active = false;",
    why: "a later retirement walking from that stale hint would relink the wrong entry, leaving a retired one listed",
  },
  {
    name: "failed-bond-refund-ignored",
    file: "src/ComputeRegistry.sol",
    find: "        if (!ok) revert Errors.BondRefundFailed(due.payee, amount);",
    replace: "",
    why: "a payee that refuses coin would lose the bond (cleared from the books, kept by the registry)",
  },
  {
    name: "batch-closes-at-end-minus-1",
    file: "src/StreamPay.sol",
    find: "if (since < duration) continue;",
    replace: "if (since + 1 < duration) continue;",
    why: "a keeper would close a stream one second early, taking the sender's last second",
  },
  {
    name: "claim-zeroes-credit-after-call",
    file: "src/StreamPay.sol",
    find: "        claimable[account] = 0;\n        emit Claimed(account, to, amount);\n        (bool ok,) = to.call{value: amount}(\"\");",
    replace: "        emit Claimed(account, to, amount);\n        (bool ok,) = to.call{value: amount}(\"\");\n        claimable[account] = 0;",
    why: "a re-entrant claimer would be paid twice out of other streams' coin",
  },
  {
    name: "bond-paid-before-books-cleared",
    file: "src/ComputeRegistry.sol",
    find: "        delete _bondDue[providerId];\n        amount = REGISTRATION_BOND;\n        emit BondClaimed(providerId, due.payee, amount);\n        (bool ok,) = due.payee.call{value: amount}(\"\");",
    replace: "        amount = REGISTRATION_BOND;\n        emit BondClaimed(providerId, due.payee, amount);\n        (bool ok,) = due.payee.call{value: amount}(\"\");\n        delete _bondDue[providerId];",
    why: "v2's 'bond refunded before the entry is unlinked': a re-entrant payee would be paid the bond twice",
  },
  {
    name: "reputation-slots-not-primed",
    file: "src/Reputations.sol",
    find: "        rep.primedA = 1;\n        rep.primedB = 1;",
    replace: "",
    why: "a provider's first rating would fill two fresh slots again (86,543 gas, over the 60,000 budget)",
  },
];

const root = resolve(import.meta.dirname, "..");
/** The unit, fuzz and invariant suites (RegistrySpam's 20,000-entry set-up and the printed campaigns are skipped to stay fast). */
const suite = [
  "test/StreamPay.t.sol", "test/StreamPayFuzz.t.sol", "test/StreamPayInvariant.t.sol", "test/Issue14.t.sol", "test/ComputeRegistry.t.sol",
  "test/Issue22.t.sol", "test/Ratings.t.sol", "test/RegistryInvariant.t.sol",
];
const MAX_RSS_MB = Number(process.env.MUTANT_MAX_RSS_MB ?? 3000);
const { values } = parseArgs({ options: { only: { type: "string" }, jobs: { type: "string" } } });
const selected = values.only ? mutants.filter((m) => m.name === values.only) : mutants;
if (selected.length === 0) {
  console.error(`mutants: no mutant named ${values.only}; known: ${mutants.map((m) => m.name).join(", ")}`);
  process.exit(2);
}

const baseline: Mutant = { name: "baseline (no mutation)", file: "src/StreamPay.sol", find: "", replace: "", why: "" };

function scratchCopy(m: Mutant): string {
  const dir = mkdtempSync(join(tmpdir(), `claw-mutant-${m === baseline ? "baseline" : m.name}-`));
  for (const p of ["src", "test", "hardhat.config.ts", "package.json"]) cpSync(resolve(root, p), join(dir, p), { recursive: true });
  symlinkSync(resolve(root, "node_modules"), join(dir, "node_modules"), "dir");
  if (m === baseline) return dir;
  const file = join(dir, m.file);
  const text = readFileSync(file, "utf8");
  const at = text.indexOf(m.find);
  if (at < 0 || text.indexOf(m.find, at + 1) >= 0) throw new Error(`mutant ${m.name}: "${m.find}" must occur exactly once in ${m.file}`);
  writeFileSync(file, text.replace(m.find, m.replace));
  return dir;
}

/** Runs the suite on the mutant; resolves to [killed, the first failing line, seconds]. */
function run(m: Mutant): Promise<[boolean, string, number]> {
  const dir = scratchCopy(m);
  const started = Date.now();
  return new Promise((done) => {
    const hardhat = resolve(root, "node_modules/.bin/hardhat");
    // Build everything first: the invariant fuzzer needs the handler's artifact, which a test run
    // limited to some files does not produce.
    const cmd = `"${hardhat}" --no-typechain build --build-profile mutants && "${hardhat}" --no-typechain test solidity --build-profile mutants --test-profile mutants ${suite.join(" ")}`;
    const child = spawn("sh", ["-c", cmd], {
      detached: true, // its own process group, so the watchdog below can measure and stop all of it
      cwd: dir,
      env: { ...process.env, PATH: `${resolve(root, "node_modules/.bin")}:${process.env.PATH ?? ""}`, FORCE_COLOR: "0" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    // Watchdog: a failing test is re-run with full call traces, which can take gigabytes; on a
    // shared machine we stop the run past MAX_RSS_MB (the mutant then counts as not killed).
    let overMemory = false;
    const watchdog = setInterval(() => {
      try {
        const rss = execFileSync("ps", ["-o", "rss=", "-g", String(child.pid)]).toString().split("\n").reduce((a, l) => a + (Number(l) || 0), 0);
        if (rss / 1024 > MAX_RSS_MB) {
          overMemory = true;
          process.kill(-child.pid!, "SIGKILL");
        }
      } catch {
        // the group has ended
      }
    }, 1000);
    child.on("close", (code) => {
      clearInterval(watchdog);
      if (overMemory) out += `\nstopped: over ${MAX_RSS_MB} MB of memory`;
      rmSync(dir, { recursive: true, force: true });
      const failing = /^\s+\d+\) (.+)$/m.exec(out)?.[1] ?? (code === 0 ? "" : out.trim().split("\n").slice(-3).join(" "));
      done([code !== 0 && !overMemory && !/Compilation failed|HHE\d+/.test(out), overMemory ? `over ${MAX_RSS_MB} MB` : failing, Math.round((Date.now() - started) / 1000)]);
    });
  });
}

// The unmutated source must pass under the same profile, or "killed" would mean nothing.
const [baselineFailed, baselineBy] = await run(baseline);
if (baselineFailed) {
  console.error(`mutants: the suite fails WITHOUT a mutation (${baselineBy}); fix that first`);
  process.exit(1);
}
console.log("baseline passes");
const jobs = Math.max(1, Number(values.jobs ?? 2));
const results: Array<{ m: Mutant; killed: boolean; by: string; s: number }> = [];
const queue = [...selected];
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  for (let m = queue.shift(); m; m = queue.shift()) {
    const [killed, by, s] = await run(m);
    results.push({ m, killed, by, s });
    console.log(`${killed ? "killed  " : "SURVIVED"} ${m.name} (${s} s)${killed ? `: ${by}` : ` — ${m.why}`}`);
  }
}));
const survivors = results.filter((r) => !r.killed);
console.log(`\n${results.length - survivors.length}/${results.length} mutants killed`);
process.exit(survivors.length === 0 ? 0 : 1);
