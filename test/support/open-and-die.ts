/**
 * A gateway's opening, killed at its worst moments (for test/gateway-opening.test.ts): the same pieces
 * start.ts wires (createStream with onOpening -> the gateway log's StreamOpening), then SIGKILL:
 *  - "after-broadcast": once the node accepted the transaction, before its receipt and StreamOpened;
 *  - "before-broadcast": right after StreamOpening is logged, before the signed bytes are sent.
 * Usage: node --import tsx open-and-die.ts <rpcUrl> <privateKey> <registry> <streamPay> <logPath> <recipient> <providerId> <deposit> <when>
 */
import type { Address, Hex } from "viem";
import { connectChain } from "../../runtime/client/chain.ts";
import { createStream } from "../../runtime/client/open-stream.ts";
import { openGatewayLog } from "../../runtime/gateway/log.ts";

const [rpcUrl, key, registry, streamPay, logPath, recipient, providerId, deposit, when] = process.argv.slice(2) as [string, Hex, Address, Address, string, Address, string, string, string];
const chain = await connectChain({ rpcUrl, privateKey: key, contracts: { registry, streamPay }, pollingIntervalMs: 50 });
const log = openGatewayLog(logPath, chain.wallet!.address);
const die = () => process.kill(process.pid, "SIGKILL");
await createStream(chain, { recipient, providerId: BigInt(providerId), serviceType: 0, deposit: BigInt(deposit), durationSeconds: 600n }, (p) => {
  if (p.txHash && when === "after-broadcast") die();
}, {
  onOpening: (i) => {
    log.streamOpening(i);
    if (when === "before-broadcast") die();
  },
});
process.stderr.write("not killed\n");
process.exit(3);
