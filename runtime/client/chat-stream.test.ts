import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../core/errors.ts";
import { chatPieces, type ChatPiece } from "./chat-stream.ts";

/** A body delivered in awkward pieces (split inside events), as a network would. */
function body(text: string, cut = 7): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, at + cut));
      at += cut;
    },
  });
}

async function collect(text: string): Promise<ChatPiece[]> {
  const out: ChatPiece[] = [];
  for await (const p of chatPieces(body(text), "http://p")) out.push(p);
  return out;
}

const claw = { jobId: "j1", streamId: "7", meteredMs: 1500, cost: "1500", pricePerSecond: "1000" };
const chunk = (content: string) => `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;

describe("chatPieces", () => {
  test("yields each content delta, then the billing of the last chunk, and stops at [DONE]", async () => {
    const text = `data: ${JSON.stringify({ choices: [{ delta: { role: "assistant", content: "" } }] })}\n\n` + chunk("hel") + chunk("lo ü") +
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 3 }, claw })}\n\ndata: [DONE]\n\n`;
    const pieces = await collect(text);
    assert.deepEqual(pieces.filter((p) => p.type === "text").map((p) => (p as { text: string }).text), ["hel", "lo ü"]);
    const end = pieces.at(-1);
    assert.equal(end?.type, "end");
    if (end?.type === "end") {
      assert.deepEqual(end.billing, { jobId: "j1", streamId: 7n, meteredMs: 1500, cost: 1500n, pricePerSecond: 1000n });
      assert.deepEqual(end.usage, { promptTokens: 2, completionTokens: 3 });
    }
  });

  test("claw.receipt is parsed into billing.receipt; a malformed one is left out", async () => {
    const receipt = {
      streamId: "7", nonce: "9", requestHash: `0x${"11".repeat(32)}`, jobId: "j1", model: "echo-1", meteredMs: "1500", cost: "1500",
      cumulativeCost: "3000", ttftMs: "12", outputHash: `0x${"22".repeat(32)}`, signature: `0x${"33".repeat(65)}`,
    };
    const end = async (r: unknown) => (await collect(chunk("a") + `data: ${JSON.stringify({ choices: [], claw: { ...claw, receipt: r } })}\n\ndata: [DONE]\n\n`)).at(-1);
    const good = await end(receipt);
    assert.equal(good?.type === "end" && good.billing.receipt?.cumulativeCost, 3000n);
    const bad = await end({ ...receipt, cost: "-1" });
    assert.equal(bad?.type === "end" && "receipt" in bad.billing, false);
  });

  test("an error event inside the stream is PROVIDER_FAILED with the provider's code", async () => {
    await assert.rejects(
      collect(chunk("a") + `data: ${JSON.stringify({ error: { code: "JOB_BUDGET_CUT", message: "cut" } })}\n\ndata: [DONE]\n\n`),
      (e) => isClawError(e, "PROVIDER_FAILED") && (e.details as { providerCode: string }).providerCode === "JOB_BUDGET_CUT",
    );
  });

  test("an error event after output that carries claw (a billed failure) keeps that billing in details.billing", async () => {
    await assert.rejects(
      collect(chunk("a") + `data: ${JSON.stringify({ error: { code: "BACKEND_STREAM_ERROR", message: "gone" }, claw })}\n\ndata: [DONE]\n\n`),
      (e) => isClawError(e, "PROVIDER_FAILED") && (e.details as { billing?: { cost: bigint } }).billing?.cost === 1500n,
    );
  });

  test("a stream that ends without its billing chunk is reported as cut", async () => {
    await assert.rejects(collect(chunk("a") + "data: [DONE]\n\n"), (e) => isClawError(e, "PROVIDER_FAILED") && /billing/.test(e.message));
  });
});

describe("chatPieces reads within byte caps", () => {
  const limits = { maxBodyBytes: 1024, maxEventBytes: 1024, maxStreamBytes: 64 * 1024, maxToolArgumentsBytes: 2048, maxErrorBytes: 1024 };
  /** An endless answer made lazily; `cancelled` once the reader dropped it. */
  function endless(event: string, first = "") {
    const state = { cancelled: false, sent: 0 };
    const bytes = new TextEncoder().encode(event);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        if (first) c.enqueue(new TextEncoder().encode(first));
      },
      pull(c) {
        state.sent += bytes.length;
        c.enqueue(bytes);
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { stream, state };
  }
  const tooLarge = (e: unknown) => isClawError(e, "PROVIDER_FAILED") && e.details?.providerCode === "ANSWER_TOO_LARGE";

  test("an endless answer ends at the stream cap: ANSWER_TOO_LARGE, the provider's body dropped", async () => {
    const { stream, state } = endless(chunk("x".repeat(100)));
    await assert.rejects(async () => {
      for await (const _ of chatPieces(stream, "http://p", limits)) void _;
    }, tooLarge);
    assert.ok(state.cancelled);
    assert.ok(state.sent < 128 * 1024);
  });

  test("one endless event, and tool-call arguments past their cap, end the answer too", async () => {
    const { stream, state } = endless("x".repeat(256), "data: ");
    await assert.rejects(async () => {
      for await (const _ of chatPieces(stream, "http://p", limits)) void _;
    }, (e: unknown) => tooLarge(e) && /SSE event/.test((e as Error).message));
    assert.ok(state.cancelled && state.sent < 4096);
    const args = `data: ${JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: "a".repeat(512) } }] } }] })}\n\n`;
    await assert.rejects(async () => {
      for await (const _ of chatPieces(endless(args).stream, "http://p", limits)) void _;
    }, (e: unknown) => tooLarge(e) && /tool-call arguments/.test((e as Error).message));
  });
});
