/**
 * Who signed a 32-byte digest: the same answer as viem's `recoverAddress`, ~35x cheaper where the
 * libsecp256k1 addon loads (core/native-secp256k1.ts: ~0.06 ms here against ~2.1 ms for viem's
 * pure-JS recovery). The gateway verifies every answer's receipt with it, so this is most of a
 * verified answer's CPU on the consumer's side. Same semantics by construction: the addon is used
 * only after it recovered a fixed signature like viem; `v` is read as viem reads it (0/1 or 27/28);
 * anything else, and any signature the addon refuses, goes to viem, which gives its own answer or error.
 */
import { bytesToHex, getAddress, hexToBytes, recoverAddress, type Address, type Hex } from "viem";
import { keccak256Bytes } from "./keccak.ts";
import { loadNativeSecp256k1, type NativeSecp256k1 } from "./native-secp256k1.ts";

type Recover = ((digest: Hex, signature: Hex) => Promise<Address>) & { engine?: "native" };

const viemRecover: Recover = (hash, signature) => recoverAddress({ hash, signature });
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX65 = /^0x[0-9a-fA-F]{130}$/;

function nativeRecover(addon: NativeSecp256k1): Recover {
  const recover: Recover = async (digest, signature) => {
    if (!HEX32.test(digest) || !HEX65.test(signature)) return viemRecover(digest, signature);
    const sig = hexToBytes(signature);
    const v = sig[64] as number;
    const recid = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : -1;
    if (recid < 0) return viemRecover(digest, signature);
    let publicKey: Uint8Array;
    try {
      publicKey = addon.ecdsaRecover(sig.subarray(0, 64), recid, hexToBytes(digest), false);
    } catch {
      return viemRecover(digest, signature);
    }
    return getAddress(bytesToHex(keccak256Bytes(publicKey.subarray(1)).subarray(12)));
  };
  recover.engine = "native";
  return recover;
}

let chosen: Promise<Recover> | undefined;

/** The addon's recovery if it loads and agrees with viem on a fixed signature, else viem's. */
function pick(): Promise<Recover> {
  chosen ??= (async () => {
    const addon = await loadNativeSecp256k1();
    if (!addon) return viemRecover;
    const fast = nativeRecover(addon);
    // A signature by the private key 0x…01 over keccak256("claw"), made with viem.
    const digest = "0xe9ace94f6deb2f9543117048105439b540948fa02d536ca78f4d79ec22a8f66f" as Hex;
    const signature = "0xc624e5fdc2fea8e886641fc246752290dec672cdd5576a049a118efd01f4b62511a4928b35adc664b89171f030ac008efddd7f769625d076c421cfeffa3469141c" as Hex;
    try {
      // Compared with the key's address, not viem's answer: a broken addon and a broken viem cannot agree.
      return (await fast(digest, signature)) === "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" && (await viemRecover(digest, signature)) === "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" ? fast : viemRecover;
    } catch {
      return viemRecover;
    }
  })();
  return chosen;
}

/**
 * @example
 * (await recoverDigestSigner(receiptDigest(domain, r), r.signature)) === stream.recipient
 */
export async function recoverDigestSigner(digest: Hex, signature: Hex): Promise<Address> {
  return (await pick())(digest, signature);
}

/** Which implementation recovers here: "native" (the addon) or "viem". */
export async function recoveryEngine(): Promise<"native" | "viem"> {
  return (await pick()).engine ?? "viem";
}
