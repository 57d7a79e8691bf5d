import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, recoverAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress, sign } from "viem/accounts";
import { loadNativeSecp256k1 } from "./native-secp256k1.ts";
import { recoverDigestSigner, recoveryEngine } from "./recover-signer.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const randomDigest = () => bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
const word = (n: bigint) => n.toString(16).padStart(64, "0");

/** viem's answer or its error message, for comparing behaviour on bad input too. */
async function viemSays(hash: Hex, signature: Hex): Promise<string> {
  try {
    return await recoverAddress({ hash, signature });
  } catch (err) {
    return `error`;
  }
}
async function oursSays(hash: Hex, signature: Hex): Promise<string> {
  try {
    return await recoverDigestSigner(hash, signature);
  } catch {
    return `error`;
  }
}

describe("recoverDigestSigner", () => {
  test("the libsecp256k1 addon loads here (Node, linux-x64 prebuild)", async () => {
    assert.ok(await loadNativeSecp256k1());
    assert.equal(await recoveryEngine(), "native");
  });

  test("recovers the signer exactly like viem: 200 random keys, digests, v as 27/28 and as 0/1", async () => {
    for (let i = 0; i < 200; i++) {
      const key = generatePrivateKey();
      const hash = randomDigest();
      const signature = await sign({ hash, privateKey: key, to: "hex" });
      assert.equal(await recoverDigestSigner(hash, signature), privateKeyToAddress(key));
      const yParity = signature.endsWith("1b") ? "00" : "01";
      const raw = `${signature.slice(0, 130)}${yParity}` as Hex;
      assert.equal(await recoverDigestSigner(hash, raw), await recoverAddress({ hash, signature: raw }));
    }
  });

  test("adversarial signatures get viem's answer: high s, flipped v, r = 0, r ≥ n, bad v, wrong lengths, another digest", async () => {
    const key = generatePrivateKey();
    const hash = randomDigest();
    const good = await sign({ hash, privateKey: key, to: "hex" });
    const r = BigInt(`0x${good.slice(2, 66)}`);
    const s = BigInt(`0x${good.slice(66, 130)}`);
    const v = good.slice(130);
    const cases: Hex[] = [
      `0x${word(r)}${word(N - s)}${v}`, // high s (malleated): recovers some key, the same as viem says
      `0x${word(r)}${word(s)}${v === "1b" ? "1c" : "1b"}`,
      `0x${word(0n)}${word(s)}${v}`,
      `0x${word(N + 1n)}${word(s)}${v}`,
      `0x${word(r)}${word(0n)}${v}`,
      `0x${word(r)}${word(s)}05`,
      `0x${word(r)}${word(s)}`,
      `${good}00` as Hex,
    ];
    for (const c of cases) assert.equal(await oursSays(hash, c), await viemSays(hash, c), c);
    assert.notEqual(await recoverDigestSigner(randomDigest(), good), privateKeyToAddress(key));
  });
});
