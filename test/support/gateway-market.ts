/**
 * A consumer market shared by one gateway test file: providers that never settle by themselves (idle
 * 10 min, so every close is the gateway's or the test's doing), and the gateways the file starts,
 * closed after it. Plus the two reads those files share.
 */
import { after, before } from "node:test";
import type { Address, Hex } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import type { RunningGateway } from "../../runtime/gateway/start.ts";
import { startConsumerMarket, type ConsumerMarket } from "../consumer-support.ts";

/**
 * @example
 * let m: ConsumerMarket;
 * const gateways = useGatewayMarket((market) => (m = market));
 */
export function useGatewayMarket(ready: (m: ConsumerMarket) => void): RunningGateway[] {
  const gateways: RunningGateway[] = [];
  let market: ConsumerMarket | undefined;
  before(async () => {
    market = await startConsumerMarket({ idleSeconds: 600 });
    ready(market);
  });
  after(async () => {
    for (const g of gateways) await g.close().catch(() => undefined);
    await market?.close();
  });
  return gateways;
}

/** The gateway's chain options for a wallet of the market. */
export const gatewayChain = (m: ConsumerMarket, key: Hex) => ({ rpcUrl: m.anvil.rpcUrl, privateKey: key, contracts: m.contracts, pollingIntervalMs: 50 });

/** Every StreamCreated the wallet sent, from block 0. */
export const streamsOpenedBy = (m: ConsumerMarket, sender: Address) =>
  m.publicClient.getContractEvents({ address: m.contracts.streamPay, abi: streamPayAbi, eventName: "StreamCreated", args: { sender }, fromBlock: 0n });

/** A non-streamed chat through a gateway with its access key ("hello" to `model`). */
export const gatewayChat = (url: string, key: string, model = "echo-1") =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }),
  });
