/**
 * A real local chain for tests, benchmarks and `npm start`: spawns anvil (from the npm package
 * `@foundry-rs/anvil`) on a free port, waits until it answers JSON-RPC, and kills it on stop() or
 * when this process exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { ClawError } from "../core/errors.ts";

/** anvil's default mnemonic: its accounts are funded with 10,000 coins each. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

export type AnvilAccount = { address: Address; privateKey: Hex };

export type Anvil = {
  rpcUrl: string;
  chainId: number;
  port: number;
  /** The funded accounts of the default mnemonic, index 0 first. */
  accounts: AnvilAccount[];
  /** Kills anvil and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
};

export type AnvilOptions = {
  /** 0 (default) picks a free port. */
  port?: number;
  chainId?: number;
  /** Number of funded accounts (default 10). */
  accounts?: number;
  /** Seconds per block; default: a block per transaction. */
  blockTime?: number;
  /** Extra command-line arguments. */
  args?: string[];
  /** How long to wait for anvil to answer (default 20 s). */
  timeoutMs?: number;
};

const platformPackages: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
  "linux-arm64": "@foundry-rs/anvil-linux-arm64",
  "darwin-x64": "@foundry-rs/anvil-darwin-amd64",
  "darwin-arm64": "@foundry-rs/anvil-darwin-arm64",
  "win32-x64": "@foundry-rs/anvil-win32-amd64",
};

/**
 * The anvil binary: the platform package's executable (no Node wrapper in between, so a kill
 * reaches anvil itself), else the package's `node_modules/.bin/anvil` launcher.
 * @example
 * spawn(anvilBinary(), ["--port", "0"]);
 */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const wrapper = require.resolve("@foundry-rs/anvil/package.json");
  const fromWrapper = createRequire(wrapper);
  const pkg = platformPackages[`${process.platform}-${process.arch}`];
  if (pkg) {
    try {
      const bin = join(dirname(fromWrapper.resolve(`${pkg}/package.json`)), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
      if (existsSync(bin)) return bin;
    } catch {
      // fall through to the launcher
    }
  }
  return join(dirname(wrapper), "..", "..", ".bin", "anvil");
}

/** The first `n` accounts of anvil's default mnemonic with their private keys. */
export function anvilAccounts(n = 10): AnvilAccount[] {
  return Array.from({ length: n }, (_, addressIndex) => {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex });
    const key = account.getHdKey().privateKey;
    if (!key) throw new ClawError("INTERNAL", { message: `No private key derived for anvil account ${addressIndex}.` });
    return { address: account.address, privateKey: toHex(key) };
  });
}

/**
 * Starts anvil and resolves once it answers `eth_chainId`.
 * @example
 * const anvil = await startAnvil();
 * try { console.log(anvil.rpcUrl, anvil.accounts[0].address); } finally { await anvil.stop(); }
 */
export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  const chainId = opts.chainId ?? 31337;
  const count = opts.accounts ?? 10;
  // --no-cors: anvil otherwise answers every web page (access-control-allow-origin: *), and its
  // accounts are unlocked; browsers reach the dev chain through the runtime's checked /v1/dev/rpc.
  const args = ["--host", "127.0.0.1", "--port", String(opts.port ?? 0), "--chain-id", String(chainId), "--accounts", String(count), "--no-cors"];
  if (opts.blockTime !== undefined) args.push("--block-time", String(opts.blockTime));
  args.push(...(opts.args ?? []));
  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    }
    await exited;
  };
  try {
    const port = await listeningPort(child, opts.timeoutMs ?? 20_000);
    const rpcUrl = `http://127.0.0.1:${port}`;
    await waitForRpc(rpcUrl, chainId, opts.timeoutMs ?? 20_000);
    return { rpcUrl, chainId, port, accounts: anvilAccounts(count), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads anvil's stdout until "Listening on host:port"; keeps draining it afterwards. */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let found = false;
    let stderr = "";
    const timer = setTimeout(() => fail(`anvil did not start listening within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new ClawError("CHAIN_UNAVAILABLE", { message: `${why}.${stderr ? ` stderr: ${stderr.slice(0, 500)}` : ""}` }));
    };
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    // The listener stays attached after the port is known so the pipe never fills up and stalls anvil.
    child.stdout?.on("data", (d: Buffer) => {
      if (found) return;
      seen += d.toString();
      const m = /Listening on [^\s:]+:(\d+)/.exec(seen);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("error", (err) => {
      if (!found) fail(`anvil could not be spawned (${err.message})`);
    });
    child.once("exit", (code, signal) => {
      if (!found) fail(`anvil exited before listening (code ${code}, signal ${signal})`);
    });
  });
}

async function waitForRpc(rpcUrl: string, chainId: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const body = (await res.json()) as { result?: string };
      if (body.result !== undefined && Number(body.result) === chainId) return;
      last = new Error(`unexpected answer ${JSON.stringify(body)}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new ClawError("CHAIN_UNAVAILABLE", { message: `anvil at ${rpcUrl} did not answer eth_chainId within ${timeoutMs} ms.`, cause: last });
}
