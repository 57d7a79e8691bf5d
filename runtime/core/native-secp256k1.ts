/**
 * libsecp256k1 as a Node addon (the `secp256k1` package's prebuilt binary), loaded once, when this
 * runtime can load it: Node on a platform the package ships a binary for. Elsewhere (Deno, a
 * browser, a platform without a prebuild) it is `undefined` and callers use their portable path
 * (WebAssembly or viem). The only Node-specific code of the signature paths lives here.
 *
 * Callers never trust it blindly: each compares one result with viem's at first use
 * (provider/hash-signer.ts, core/recover-signer.ts).
 */
export type NativeSecp256k1 = {
  /** RFC 6979 nonce, low s. */
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  /** The signer's public key (65 bytes uncompressed when `compressed` is false); throws on an invalid signature. */
  ecdsaRecover(signature: Uint8Array, recid: number, digest: Uint8Array, compressed: boolean): Uint8Array;
};

let loading: Promise<NativeSecp256k1 | undefined> | undefined;

/**
 * @example
 * const native = await loadNativeSecp256k1();
 * if (native) native.ecdsaSign(digest, key);
 */
export function loadNativeSecp256k1(): Promise<NativeSecp256k1 | undefined> {
  loading ??= (async () => {
    try {
      // The addon file itself, not the package's entry (that one silently falls back to pure-JS
      // elliptic). Deno cannot load it: the import throws there and callers take their portable path.
      // A variable specifier on purpose: a bundler building the SDK for a browser (esbuild, vite)
      // must not try to bundle a native addon; there the import fails at run time like under Deno.
      const specifier = "secp256k1/bindings.js";
      const mod = (await import(/* @vite-ignore */ specifier)) as { default?: NativeSecp256k1 };
      return typeof mod.default?.ecdsaRecover === "function" ? mod.default : undefined;
    } catch {
      return undefined;
    }
  })();
  return loading;
}
