/**
 * The measured server: a provider runtime on a local market (anvil, contracts, SQLite log), with one
 * instant echo offering. Runs in its own process (child.ts) so its CPU time is the runtime's alone
 * (anvil is a process of its own). `openStream` opens a stream from the consumer account.
 */
import { startMarket } from "../../test/support/market.ts";
import { serveBench } from "./child.ts";
import { settleWal } from "./settle-wal.ts";

export const price = 1_000n;
const market = await startMarket({
  offerings: [{ model: "echo-fast", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: price, concurrency: 64, maxQueue: 10_000 }],
  settlement: { idleSeconds: 3600, minJobMs: 1 },
});
const consumer = 2;
const providerId = market.provider.offerings[0]!.providerId;
serveBench(
  { url: market.provider.url, chainId: market.anvil.chainId, streamPay: market.contracts.streamPay, consumerKey: market.keys[consumer]!, price: price.toString() },
  {
    settleWal: () => settleWal(market.provider.store),
    async openStream(arg) {
      const { deposit, duration } = arg as { deposit: string; duration: string };
      const { streamId } = await market.openStream(market.account(consumer), { deposit: BigInt(deposit), duration: BigInt(duration), providerId });
      return streamId.toString();
    },
  },
  () => market.close(),
);
