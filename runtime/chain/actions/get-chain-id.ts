/** The chain id a node at `rpcUrl` serves: one eth_chainId with the `probe` profile (no retry, 3 s). */
import { createProbeClient } from "../client.ts";
import { chainError } from "../errors.ts";

/**
 * @example
 * const chainId = await getChainId("http://127.0.0.1:8545"); // 31337
 */
export async function getChainId(rpcUrl: string): Promise<number> {
  try {
    return await createProbeClient(rpcUrl).getChainId();
  } catch (err) {
    throw chainError(err, `eth_chainId at ${rpcUrl}`);
  }
}
