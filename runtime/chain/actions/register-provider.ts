/**
 * ComputeRegistry.registerProvider with the registry's REGISTRATION_BOND as value (fixed at
 * deployment, 0 on a local chain); the new id comes from the receipt's ProviderRegistered event.
 */
import { parseEventLogs, type Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import { ClawError } from "../../core/errors.ts";
import type { ChainClients } from "../client.ts";
import { chainError } from "../errors.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

export type RegisterProviderParameters = { registry: Address; model: string; pricePerSecond: bigint; endpoint: string; serviceType: number };

/**
 * @example
 * const { providerId } = await registerProvider(clients, { registry, model: "echo-1", pricePerSecond: 10n, endpoint, serviceType: 0 });
 */
export async function registerProvider(clients: ChainClients, p: RegisterProviderParameters, o: WriteOptions = {}): Promise<Written & { providerId: bigint; bond: bigint }> {
  let bond: bigint;
  try {
    bond = await clients.publicClient.readContract({ address: p.registry, abi: computeRegistryAbi, functionName: "REGISTRATION_BOND" });
  } catch (err) {
    throw chainError(err, `ComputeRegistry ${p.registry}.REGISTRATION_BOND()`);
  }
  const written = await submitWrite(clients, "ComputeRegistry.registerProvider", async () => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.registry, abi: computeRegistryAbi, functionName: "registerProvider", args: [p.model, p.pricePerSecond, p.endpoint, p.serviceType],
      value: bond, account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request);
  }, o);
  const [registered] = parseEventLogs({ abi: computeRegistryAbi, logs: written.receipt.logs, eventName: "ProviderRegistered" })
    .filter((l) => l.address.toLowerCase() === p.registry.toLowerCase());
  if (!registered) throw new ClawError("CHAIN_ERROR", { message: `registerProvider ${written.hash} left no ProviderRegistered event for ${clients.address}.` });
  return { ...written, providerId: registered.args.providerId, bond };
}
