/**
 * `claw balance`: the wallet's coin balance, deferred payments waiting for it in StreamPay
 * (`claw withdraw` claims them), and what it has spent buying compute — paid to providers,
 * refunded, and still locked in open streams — read from the chain.
 */
import type { Command } from "commander";
import type { Address } from "viem";
import { connectChain, requireWallet } from "../../client/chain.ts";
import { spending } from "../../client/spending.ts";
import { getClaimable } from "../../chain/actions/get-claimable.ts";
import { chainError } from "../../chain/errors.ts";
import { formatWei } from "../lib/amounts.ts";
import { jsonAware, printJson } from "../lib/json.ts";
import { addressArg, idArg, withCommonOptions, type CommonOptions } from "../lib/options.ts";
import { resolveChain } from "../lib/resolve.ts";

type BalanceOptions = CommonOptions & { address?: Address; streams?: boolean; fromBlock?: bigint; provider?: boolean };

export function register(program: Command): void {
  withCommonOptions(program.command("balance").description("wallet balance, claimable payments, and spending on compute"))
    .option("--address <address>", "another address to look at (default: this wallet)", addressArg)
    .option("--provider", "use the provider wallet of the local market instead of the consumer's")
    .option("--streams", "list every stream this wallet opened")
    .option("--from-block <n>", "first block to scan for streams (default 0)", idArg)
    .action(async (o: BalanceOptions) =>
      jsonAware(o.json, async () => {
        const { options } = await resolveChain(o, o.provider ? "provider" : "consumer", { needWallet: o.address === undefined });
        const chain = await connectChain(options);
        const address = o.address === undefined ? requireWallet(chain, "Reading this wallet's balance").address : o.address;
        const [balance, claimable, spent] = await Promise.all([
          chain.publicClient.getBalance({ address }),
          getClaimable(chain.publicClient, { streamPay: chain.contracts.streamPay, account: address }),
          spending(chain, address, o.fromBlock !== undefined ? { fromBlock: o.fromBlock } : {}),
        ]).catch((err) => {
          throw chainError(err, "reading balances");
        });
        const open = spent.streams.filter((s) => s.status === "active");
        const report = {
          address, chainId: chain.chainId, balance, claimable,
          spent: spent.paid, refunded: spent.refunded, locked: spent.locked,
          streamsOpened: spent.streams.length, openStreams: open.map((s) => s.streamId),
          ...(o.streams ? { streams: spent.streams } : {}),
        };
        if (o.json) return printJson(report);
        const lines = [
          `${address} on chain ${chain.chainId}`,
          `  balance     ${formatWei(balance)}`,
          `  claimable   ${formatWei(claimable)}${claimable > 0n ? "  (claw withdraw)" : ""}`,
          `  spent       ${formatWei(spent.paid)} on ${spent.streams.length - open.length} closed stream(s), refunded ${formatWei(spent.refunded)}`,
          `  locked      ${formatWei(spent.locked)} in ${open.length} open stream(s)${open.length ? `: ${open.map((s) => s.streamId).join(", ")}` : ""}`,
          ...(o.streams ? spent.streams.map((s) => `  stream ${s.streamId} provider #${s.providerId} ${s.status} deposit ${s.deposit} paid ${s.paid} refunded ${s.refunded}`) : []),
        ];
        process.stdout.write(lines.join("\n") + "\n");
      }),
    );
}
