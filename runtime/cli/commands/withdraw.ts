/**
 * `claw withdraw`: claims the payments StreamPay deferred for this wallet.
 *
 * Why this and not withdrawFromStream: settle() and cancelStream() already push each party's money
 * in the same transaction, so a provider's earnings normally arrive without any withdrawal. A push
 * that fails (the receiver is a contract that reverts or needs more than the push gas) is credited
 * to the receiver instead — that is what `claimable` holds and what `claim()` / `claimTo()` pay out.
 * Withdrawing from a live stream (withdrawFromStream) would take the time-based share, which can be
 * more than the metered cost; the runtime never does that, and neither does this command.
 */
import type { Command } from "commander";
import { getAddress, isAddress, parseEventLogs } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import { connectChain, requireWallet } from "../../client/chain.ts";
import { claim } from "../../chain/actions/claim.ts";
import { getClaimable } from "../../chain/actions/get-claimable.ts";
import { formatWei } from "../lib/amounts.ts";
import { jsonAware, printJson, usageError } from "../lib/json.ts";
import { withCommonOptions, type CommonOptions } from "../lib/options.ts";
import { createProgress } from "../lib/progress.ts";
import { resolveChain } from "../lib/resolve.ts";

export function register(program: Command): void {
  withCommonOptions(program.command("withdraw").description("claim payments StreamPay deferred for this wallet (settlements are otherwise paid directly)"))
    .option("--to <address>", "send the claimed coin to this address instead of the wallet")
    .option("--consumer", "use the consumer wallet of the local market instead of the provider's")
    .action(async (o: CommonOptions & { to?: string; consumer?: boolean }, cmd: Command) =>
      jsonAware(o.json, async () => {
        if (o.to !== undefined && !isAddress(o.to)) usageError(cmd, `--to "${o.to}" is not an address.`);
        const chain = await connectChain((await resolveChain(o, o.consumer ? "consumer" : "provider")).options);
        const wallet = requireWallet(chain, "Withdrawing");
        const claimable = await getClaimable(chain.publicClient, { streamPay: chain.contracts.streamPay, account: wallet.address });
        const to = o.to === undefined ? wallet.address : getAddress(o.to);
        let claimed = 0n;
        let txHash: string | null = null;
        if (claimable > 0n) {
          const progress = createProgress({ quiet: o.quiet === true });
          progress.update(`claiming ${formatWei(claimable)}`);
          const r = await claim(
            wallet,
            o.to ? { streamPay: chain.contracts.streamPay, to } : { streamPay: chain.contracts.streamPay },
            { confirmations: chain.confirmations, onSent: (h) => progress.update(`waiting for claim transaction ${h}`) },
          );
          progress.stop();
          txHash = r.hash;
          const [log] = parseEventLogs({ abi: streamPayAbi, logs: r.receipt.logs, eventName: "Claimed" });
          claimed = log ? log.args.amount : claimable;
        }
        if (o.json) printJson({ address: wallet.address, to, claimable, claimed, txHash });
        else process.stdout.write(claimed > 0n ? `claimed ${formatWei(claimed)} to ${to} (tx ${txHash})\n` : `nothing to claim for ${wallet.address}: settlements pay providers directly\n`);
      }),
    );
}
