/**
 * Who may use the gateway: the holder of its local API key (`Authorization: Bearer <key>`), and no
 * web page unless its origin is configured — a page the user visits must not spend their wallet.
 * The key is made on first start (256 random bits), kept in a file only its owner can read (0600).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ClawError } from "../core/errors.ts";

export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `claw-gw-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Reads the key file, or creates it (0600) with a new key. `created` says which. */
export function loadOrCreateKey(file: string): { key: string; created: boolean } {
  if (existsSync(file)) {
    const key = readFileSync(file, "utf8").trim();
    if (key.length >= 16) return { key, created: false };
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = newKey();
  writeFileSync(file, key + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, created: true };
}

/** Compares without an early exit, so the time taken does not tell how much of a guess was right. Pure. */
export function sameKey(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** Throws the refusal for a request that may not use the gateway; returns when it may. Pure. */
export function checkAccess(headers: Headers, key: string, allowedOrigins: readonly string[]): void {
  const origin = headers.get("origin");
  if (origin !== null && !allowedOrigins.includes(origin)) {
    throw new ClawError("ORIGIN_FORBIDDEN", {
      message: `Requests from the web origin ${origin.slice(0, 100)} are refused; start the gateway with --allow-origin ${origin.slice(0, 100)} to allow it.`,
    });
  }
  const auth = headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(auth.slice(0, 500));
  if (!m || !sameKey(m[1]!, key)) {
    throw new ClawError("GATEWAY_KEY_INVALID", {
      message: m ? "The API key is not this gateway's key (printed at its first start, kept in its key file)." : "Send the gateway's local API key as `Authorization: Bearer <key>`.",
    });
  }
}
