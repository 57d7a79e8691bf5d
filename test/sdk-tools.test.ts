/**
 * The SDK's `ask` / `infer` with tools (issue 15's wire format, from the SDK side): a session asks a
 * real runtime on anvil (echo's deterministic tool mode) with `tools`, gets the tool call back
 * assembled from the streamed deltas with finish_reason "tool_calls", answers it with a `tool`
 * message and gets the text answer — each job billed. A malformed tools request is refused by the
 * provider before its payment guard: nothing is billed and the session keeps working.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isClawError } from "../runtime/core/errors.ts";
import { createClawClient, type ChatMessage, type ToolDefinition } from "../runtime/client/index.ts";
import { startMarket, type Market } from "./support/market.ts";

let m: Market;
before(async () => {
  m = await startMarket({ offerings: [{ model: "echo-tools", backend: "echo", options: { tokensPerSecond: 200 }, pricePerSecond: 1_000_000n }] });
});
after(() => m?.close());

const weather: ToolDefinition = {
  type: "function",
  function: { name: "get_weather", description: "Current weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

test("ask with tools: the call comes back whole, its result goes back as a tool message, the answer follows; both jobs billed", async () => {
  const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[6]!, contracts: m.contracts, pollingIntervalMs: 100 });
  const session = await claw.openSession({ model: "echo-tools", expectedSeconds: 20, probe: false });
  try {
    const question: ChatMessage[] = [{ role: "user", content: "get_weather for Paris please" }];
    const first = await session.ask(question, { tools: [weather] });
    assert.equal(first.finishReason, "tool_calls");
    assert.equal(first.toolCalls.length, 1);
    const [call] = first.toolCalls;
    assert.equal(call!.type, "function");
    assert.equal(call!.function.name, "get_weather");
    assert.ok(call!.id.length > 0, "the call has an id to answer");
    assert.doesNotThrow(() => JSON.parse(call!.function.arguments), "arguments assembled into one JSON string");
    assert.ok(first.billing.cost > 0n);

    const second = await session.ask([
      ...question,
      { role: "assistant", content: null, tool_calls: first.toolCalls },
      { role: "tool", tool_call_id: call!.id, content: "sunny, 21 C" },
    ], { tools: [weather] });
    assert.deepEqual(second.toolCalls, []);
    assert.match(second.text, /sunny, 21 C/);
    assert.equal(session.jobs.length, 2);
    assert.equal(session.metered(), first.billing.cost + second.billing.cost);
  } finally {
    await session.close();
  }
});

test("a tool_choice naming no given tool is refused before payment: a clear error, nothing billed, the session goes on", async () => {
  const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[7]!, contracts: m.contracts, pollingIntervalMs: 100 });
  const session = await claw.openSession({ model: "echo-tools", expectedSeconds: 20, probe: false });
  try {
    await assert.rejects(
      session.ask("hello", { tools: [weather], toolChoice: { type: "function", function: { name: "launch_rockets" } } }),
      (e) => isClawError(e) && e.details?.httpStatus === 400 && /tool_choice/.test(e.message),
    );
    assert.equal(session.jobs.length, 0);
    assert.equal(session.metered(), 0n);
    const after = await session.ask("still here");
    assert.equal(after.text, "still here");
    assert.deepEqual(after.toolCalls, []);
  } finally {
    await session.close();
  }
});
