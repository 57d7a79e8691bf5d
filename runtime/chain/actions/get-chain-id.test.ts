import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAnvil, type Anvil } from "../anvil.ts";
import { isClawError } from "../../core/errors.ts";
import { getChainId } from "./get-chain-id.ts";

let anvil: Anvil;
before(async () => (anvil = await startAnvil({ chainId: 4242 })));
after(() => anvil?.stop());

test("the id the node serves; a URL nobody answers is CHAIN_UNAVAILABLE naming the URL", async () => {
  assert.equal(await getChainId(anvil.rpcUrl), 4242);
  await assert.rejects(getChainId("http://127.0.0.1:1"), (e) => isClawError(e, "CHAIN_UNAVAILABLE") && e.message.includes("http://127.0.0.1:1"));
});
