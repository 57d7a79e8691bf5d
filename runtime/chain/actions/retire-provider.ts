/**
 * ComputeRegistry.retireProvider / retireTo: the provider's wallet takes an entry out of its model's
 * list for good. The bond is not paid here: it becomes claimable after BOND_COOLDOWN (claimBond), by
 * the wallet or by `payee` (retireTo, for a wallet that cannot take coin). Without a `hint`, the
 * entry just before it is read from the model's list (one pinned listing); the contract accepts a
 * stale hint anyway (it walks from the hint, then from the head).
 */
import { parseEventLogs, type Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import { ClawError } from "../../core/errors.ts";
import type { ChainClients } from "../client.ts";
import { getProvider } from "./get-provider.ts";
import { listProvidersByModel } from "./list-providers-by-model.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

export type RetireProviderParameters = { registry: Address; providerId: bigint; hint?: bigint; payee?: Address };
export type Retired = Written & { bond: bigint; payee: Address; releaseAt: bigint };

/** The id just before `providerId` in its model's list (newest first), or 0 when it is the head or not listed. */
async function predecessor(clients: ChainClients, registry: Address, providerId: bigint): Promise<bigint> {
  const p = await getProvider(clients.publicClient, { registry, providerId });
  if (!p) return 0n;
  const list = await listProvidersByModel(clients.publicClient, { registry, model: p.model });
  const at = list.findIndex((x) => x.id === providerId);
  return at > 0 ? list[at - 1]!.id : 0n;
}

/**
 * @example
 * const { releaseAt } = await retireProvider(clients, { registry, providerId: 4n });             // bond to the wallet
 * await retireProvider(clients, { registry, providerId: 5n, payee: "0xSafe..." });                 // retireTo
 */
export async function retireProvider(clients: ChainClients, p: RetireProviderParameters, o: WriteOptions = {}): Promise<Retired> {
  const hint = p.hint ?? (await predecessor(clients, p.registry, p.providerId));
  const written = await submitWrite(clients, `ComputeRegistry.retire(${p.providerId})`, async () => {
    const common = { address: p.registry, abi: computeRegistryAbi, account: clients.walletClient.account, blockTag: "pending" } as const;
    if (p.payee === undefined) {
      const { request } = await clients.publicClient.simulateContract({ ...common, functionName: "retireProvider", args: [p.providerId, hint] });
      return writeWithGasMargin(clients, request);
    }
    const { request } = await clients.publicClient.simulateContract({ ...common, functionName: "retireTo", args: [p.providerId, hint, p.payee] });
    return writeWithGasMargin(clients, request);
  }, o);
  const [retired] = parseEventLogs({ abi: computeRegistryAbi, logs: written.receipt.logs, eventName: "ProviderRetired" })
    .filter((l) => l.address.toLowerCase() === p.registry.toLowerCase());
  if (!retired) throw new ClawError("CHAIN_ERROR", { message: `retire ${written.hash} left no ProviderRetired event for provider #${p.providerId}.` });
  return { ...written, bond: retired.args.bond, payee: retired.args.payee, releaseAt: retired.args.releaseAt };
}
