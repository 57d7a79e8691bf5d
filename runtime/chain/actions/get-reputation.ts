/**
 * ComputeRegistry.getReputation: a provider's ratings (count, wei paid by its raters, sums weighted
 * by what each rater paid) and the averages they give. Null for an id never registered.
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError, revertOf } from "../errors.ts";

export type Reputation = {
  ratings: bigint; paidByRaters: bigint; weight: bigint;
  scoreWeighted: bigint; ttftWeighted: bigint; tokensPerSecondWeighted: bigint; failuresWeighted: bigint;
  /** Weighted averages (sum / weight, floored); null while no rating weighs anything. */
  averages: { score: bigint; ttftMs: bigint; tokensPerSecond: bigint; failures: bigint } | null;
};

/**
 * @example
 * const rep = await getReputation(client, { registry, providerId: 1n }); // rep?.averages?.score
 */
export async function getReputation(client: ReadClient, p: { registry: Address; providerId: bigint; blockNumber?: bigint }): Promise<Reputation | null> {
  try {
    const r = await client.readContract({
      address: p.registry, abi: computeRegistryAbi, functionName: "getReputation", args: [p.providerId], ...(p.blockNumber === undefined ? {} : { blockNumber: p.blockNumber }),
    });
    const w = r.weight;
    return {
      ratings: r.ratings, paidByRaters: r.paidByRaters, weight: w, scoreWeighted: r.scoreWeighted, ttftWeighted: r.ttftWeighted,
      tokensPerSecondWeighted: r.tokensPerSecondWeighted, failuresWeighted: r.failuresWeighted,
      averages: w === 0n ? null : { score: r.scoreWeighted / w, ttftMs: r.ttftWeighted / w, tokensPerSecond: r.tokensPerSecondWeighted / w, failures: r.failuresWeighted / w },
    };
  } catch (err) {
    if (revertOf(err)?.errorName === "UnknownProvider") return null;
    throw chainError(err, `ComputeRegistry ${p.registry}.getReputation(${p.providerId})`);
  }
}
