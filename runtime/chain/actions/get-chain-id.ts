/** The chain id a node at `rpcUrl` serves: one eth_chainId with the `probe` profile (no retry, 3 s). */
import { createPublicClient, http } from "viem";
import { clientProfiles } from "../client.ts";
import { chainError } from "../errors.ts";

/**
 * @example
 * const chainId = await getChainId("http://127.0.0.1:8545"); // 31337
 */
export async function getChainId(rpcUrl: string): Promise<number> {
  const p = clientProfiles.probe;
  // No chain yet: this is how the chain is learned.
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: p.timeoutMs, retryCount: p.retryCount, retryDelay: p.retryDelayMs }) });
  try {
    return await client.getChainId();
  } catch (err) {
    throw chainError(err, `eth_chainId at ${rpcUrl}`);
  }
}
