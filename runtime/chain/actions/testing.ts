/**
 * A fresh anvil with both contracts deployed, for the actions' tests: the deployer's clients, one
 * wallet per funded account, and helpers to move chain time and to make an address refuse coin.
 */
import { createTestClient, http, type Address, type Hex } from "viem";
import { startAnvil, type Anvil } from "../anvil.ts";
import { createChainClients, type ChainClients, type ReadClient } from "../client.ts";
import { deployContracts } from "../deploy.ts";

export type TestChain = {
  anvil: Anvil;
  contracts: { registry: Address; streamPay: Address };
  /** A background-profile read client. */
  read: ReadClient;
  /** The clients of anvil account `i` (0 deployed the contracts). */
  wallet(i: number): ChainClients;
  /** Moves chain time forward and mines a block stamped with it. */
  advance(seconds: number): Promise<void>;
  /** Gives `address` code that reverts on every call (it refuses coin), or takes it away (`"0x"`). */
  setCode(address: Address, code: Hex): Promise<void>;
  stop(): Promise<void>;
};

/** Runtime bytecode PUSH0 PUSH0 REVERT: refuses every call and every transfer. */
export const REVERTING_CODE: Hex = "0x5f5ffd";

/**
 * @example
 * const t = await startTestChain();
 * after(() => t.stop());
 */
export async function startTestChain(o: { registrationBond?: bigint } = {}): Promise<TestChain> {
  const anvil = await startAnvil();
  const wallets = new Map<number, ChainClients>();
  const wallet = (i: number): ChainClients => {
    let w = wallets.get(i);
    if (!w) {
      w = createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: anvil.accounts[i]!.privateKey, pollingIntervalMs: 50 });
      wallets.set(i, w);
    }
    return w;
  };
  const deployer = wallet(0);
  const d = await deployContracts({ walletClient: deployer.walletClient, publicClient: deployer.publicClient, registrationBond: o.registrationBond ?? 0n });
  const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
  return {
    anvil,
    contracts: { registry: d.registry, streamPay: d.streamPay },
    read: deployer.publicClient,
    wallet,
    async advance(seconds) {
      await test.increaseTime({ seconds });
      await test.mine({ blocks: 1 });
    },
    setCode: (address, code) => test.setCode({ address, bytecode: code }),
    stop: () => anvil.stop(),
  };
}
