/**
 * Signs 32-byte digests with the provider's key, producing exactly viem's `sign({ hash, privateKey,
 * to: "hex" })` (RFC 6979 deterministic nonce, low s, v = 27 / 28): the same bytes, several times
 * faster. Both accelerated engines are libsecp256k1, whose default nonce is RFC 6979 and whose
 * signatures are low-s: "native" (the `secp256k1` addon's prebuilt binary, ~40 µs per signature
 * here) and "wasm" (tiny-secp256k1, the same library compiled to WebAssembly, ~110 µs), against
 * ~0.4 ms in viem's pure-JS noble. An engine is used only after it signed a fixed digest
 * byte-for-byte like viem at start; when none loads (Deno cannot load Node addons) or one differs,
 * the next is tried and viem signs last.
 */
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { sign as viemSign } from "viem/accounts";
import { loadNativeSecp256k1 } from "../core/native-secp256k1.ts";

export type HashSigner = {
  /** Which implementation signs: "native" (secp256k1 addon), "wasm" (tiny-secp256k1) or "viem". */
  readonly engine: Engine;
  sign(digest: Uint8Array): Promise<Hex>;
};

type Engine = "native" | "wasm" | "viem";
type RawSign = (digest: Uint8Array, key: Uint8Array) => { signature: Uint8Array; recoveryId: number };

/** The engine's raw signing function, or undefined when it cannot load here. */
async function loadEngine(engine: "native" | "wasm"): Promise<RawSign | undefined> {
  if (engine === "native") {
    const addon = await loadNativeSecp256k1();
    if (!addon) return undefined;
    return (h, d) => {
      const { signature, recid } = addon.ecdsaSign(h, d);
      return { signature, recoveryId: recid };
    };
  }
  try {
    const wasm = (await import("tiny-secp256k1")) as { signRecoverable: RawSign };
    return (h, d) => wasm.signRecoverable(h, d);
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const signer = await createHashSigner(privateKey);
 * const signature = await signer.sign(digestBytes); // === await sign({ hash: bytesToHex(digestBytes), privateKey, to: "hex" })
 */
export async function createHashSigner(privateKey: Hex, o: { engine?: Engine } = {}): Promise<HashSigner> {
  const viem: HashSigner = { engine: "viem", sign: (digest) => viemSign({ hash: bytesToHex(digest), privateKey, to: "hex" }) };
  const key = hexToBytes(privateKey);
  const probe = hexToBytes("0x8f1b6f5c0e8d3a2b4c6d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d");
  const expected = await viem.sign(probe);
  const candidates: Array<"native" | "wasm"> = o.engine === "viem" ? [] : o.engine ? [o.engine] : ["native", "wasm"];
  for (const engine of candidates) {
    const raw = await loadEngine(engine);
    if (!raw) continue;
    const fast: HashSigner = {
      engine,
      async sign(digest) {
        const { signature, recoveryId } = raw(digest, key);
        // viem writes v = 28 for any non-zero recovery id (2 and 3 occur with negligible probability).
        return `${bytesToHex(signature)}${recoveryId ? "1c" : "1b"}` as Hex;
      },
    };
    // Byte-for-byte against viem once, so a differing build can never produce other signatures.
    if ((await fast.sign(probe)) === expected) return fast;
  }
  return viem;
}
