/**
 * Hardhat 3 config for the ClawCompute contracts.
 * solc comes from the pinned `solc` npm package (wasm) by absolute path: this machine cannot
 * download compilers, and a relative path is refused.
 * Solidity test profiles: `default` is the CI profile (minutes), `deep` runs >= 10,000 fuzz runs.
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatEthers, hardhatTypechain],
  paths: {
    sources: "./src",
    tests: { solidity: "./test" },
  },
  solidity: {
    profiles: {
      default: {
        version: "0.8.30",
        path: require.resolve("solc/soljson.js"),
        settings: {
          evmVersion: "cancun",
          viaIR: true,
          optimizer: { enabled: true, runs: 10_000 },
          metadata: { bytecodeHash: "none" },
        },
      },
      // scripts/mutants.ts: the same source compiled without viaIR and the optimizer (6 s instead of
      // ~1 min with solc-js per mutant). A mutant is a change of behaviour, which these settings do
      // not alter; gas figures differ, so the gas-bound suite (RegistrySpam) is not part of it.
      mutants: {
        version: "0.8.30",
        path: require.resolve("solc/soljson.js"),
        settings: { evmVersion: "cancun", viaIR: false, optimizer: { enabled: false }, metadata: { bytecodeHash: "none" } },
      },
    },
  },
  typechain: {
    // CLAW_GENERATED_DIR lets scripts/check-generated.ts build into a scratch folder and compare.
    // The bindings carry `// @ts-nocheck`: TypeChain emits namespaces, which the root tsconfig
    // (erasableSyntaxOnly) would flag; their types still resolve for importers.
    tsNocheck: true,
    outDir: resolve(process.env.CLAW_GENERATED_DIR ?? resolve(import.meta.dirname, "generated"), "typechain"),
  },
  test: {
    solidity: {
      profiles: {
        default: {
          fuzz: { runs: 256, seed: "0x2a" },
          // failOnRevert stays false: the handler wraps every call itself and records a revert of a
          // valid action as a violation (test/README.md), which names the action that failed.
          invariant: { runs: 64, depth: 64, failOnRevert: false, shrinkRunLimit: 200 },
        },
        // scripts/mutants.ts: the CI profile without shrinking (a killed mutant needs no minimal
        // counterexample, and shrinking a failing sequence can take minutes).
        mutants: {
          fuzz: { runs: 256, seed: "0x2a" },
          invariant: { runs: 64, depth: 64, failOnRevert: false, shrinkRunLimit: 0 },
        },
        deep: {
          fuzz: { runs: 10_000 },
          invariant: { runs: 512, depth: 256, failOnRevert: false },
        },
      },
    },
  },
});
