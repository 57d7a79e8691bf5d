import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, recoverAddress } from "viem";
import { generatePrivateKey, privateKeyToAddress, sign } from "viem/accounts";
import { createHashSigner } from "./hash-signer.ts";

describe("hash signer", () => {
  test("the native addon is the default engine here (Node, prebuilt linux-x64 binary)", async () => {
    assert.equal((await createHashSigner(generatePrivateKey())).engine, "native");
  });

  for (const engine of ["native", "wasm"] as const) {
    test(`the ${engine} engine loads here and signs exactly like viem: 300 random keys and digests`, async () => {
      for (let i = 0; i < 300; i++) {
        const key = generatePrivateKey();
        const signer = await createHashSigner(key, { engine });
        assert.equal(signer.engine, engine);
        const digest = crypto.getRandomValues(new Uint8Array(32));
        const expected = await sign({ hash: bytesToHex(digest), privateKey: key, to: "hex" });
        assert.equal(await signer.sign(digest), expected);
      }
    });
  }

  test("the viem engine is the same function, and both recover to the key's address", async () => {
    const key = generatePrivateKey();
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const [fast, slow] = [await createHashSigner(key), await createHashSigner(key, { engine: "viem" })];
    assert.equal(slow.engine, "viem");
    const signature = await fast.sign(digest);
    assert.equal(await slow.sign(digest), signature);
    assert.equal(await recoverAddress({ hash: bytesToHex(digest), signature }), privateKeyToAddress(key));
  });
});
