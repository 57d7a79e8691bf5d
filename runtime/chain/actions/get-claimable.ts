/** StreamPay.claimable: coin credited to an account after a push to it failed, not yet claimed. */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";

/**
 * @example
 * const owed = await getClaimable(client, { streamPay, account: wallet });
 */
export async function getClaimable(client: ReadClient, p: { streamPay: Address; account: Address }): Promise<bigint> {
  try {
    return await client.readContract({ address: p.streamPay, abi: streamPayAbi, functionName: "claimable", args: [p.account] });
  } catch (err) {
    throw chainError(err, `StreamPay ${p.streamPay}.claimable(${p.account})`);
  }
}
