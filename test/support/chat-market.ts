/**
 * A real local market for the chat compatibility tests: anvil, the contracts, one provider runtime
 * serving echo and the fake OpenAI / Groq / Ollama / TGI backends (plus one offering that declares
 * no capabilities), and the official `openai` client paying with a small fetch that signs the exact
 * body it sends, bound to its method and path, with the client library's signer.
 */
import OpenAI from "openai";
import type { PrivateKeyAccount } from "viem/accounts";
import type { PaymentSigner } from "../../runtime/client/payment-signer.ts";
import { startFakeOllama } from "../../plugins/testing/fake-ollama.ts";
import { startFakeOpenAI } from "../../plugins/testing/fake-openai.ts";
import type { FakeServer } from "../../plugins/testing/fake-server.ts";
import { startFakeTGI } from "../../plugins/testing/fake-tgi.ts";
import { startMarket, type Market } from "./market.ts";

export const price = 1_000_000n;

/** Offerings by model name: echo, then each fake backend that supports tools, then one without capabilities. */
export type ChatMarket = Awaited<ReturnType<typeof startChatMarket>>;

/** A fetch for the openai client: signs the exact body with `signer` for its method and path; records what it sent. */
export function payingFetch(signer: PaymentSigner, sent: Array<{ body: string; nonce: string }> = [], opts: { nonce?: bigint } = {}) {
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? "GET").toUpperCase();
    const headers = new Headers(init.headers);
    if (method === "POST") {
      if (typeof init.body !== "string") throw new Error("payingFetch signs JSON string bodies only");
      const proof = await signer.headers(init.body, { method, path: url.pathname, ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}) });
      for (const [k, v] of Object.entries(proof)) headers.set(k, v);
      sent.push({ body: init.body, nonce: proof["x-claw-nonce"] ?? "" });
    }
    return fetch(url, { ...init, headers });
  };
}

export async function startChatMarket() {
  const fakes: Record<string, FakeServer> = {
    oa: await startFakeOpenAI("openai"),
    gq: await startFakeOpenAI("groq"),
    ol: await startFakeOllama(),
    tg: await startFakeTGI(),
  };
  const offering = (model: string, backend: string, options: Record<string, unknown>) => ({ model, backend, options: { retries: 0, ...options }, pricePerSecond: price });
  let m: Market;
  try {
    m = await startMarket({
      offerings: [
        { model: "echo-1", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: price },
        // Slow, with a 1-second job limit: a long answer is cut by its budget.
        { model: "echo-slow", backend: "echo", options: { tokensPerSecond: 20 }, pricePerSecond: price, maxJobSeconds: 1 },
        offering("oa", "openai", { baseUrl: `${fakes.oa!.url}/v1` }),
        // Groq's wire format (whole tool calls in one delta, x_groq usage) through the openai plugin: no API key needed.
        offering("gq", "openai", { baseUrl: `${fakes.gq!.url}/openai/v1` }),
        offering("ol", "ollama", { baseUrl: fakes.ol!.url }),
        offering("tg", "tgi", { baseUrl: fakes.tg!.url }),
        offering("plain", "openai", { baseUrl: `${fakes.oa!.url}/v1`, capabilities: { tools: false, images: false, json: false } }),
      ],
    });
  } catch (err) {
    for (const f of Object.values(fakes)) await f.close();
    throw err;
  }
  let nextAccount = 3;
  /** An openai client paying on a fresh stream for `model`, and the stream's facts. */
  // Accounts 2..9 only: 0 deployed, 1 is the provider's wallet, which may not pay its own provider
  // streams (StreamPay refuses a self-attributed stream, issue 14).
  async function client(model: string, account: PrivateKeyAccount = m.account(2 + (nextAccount++ % 8))) {
    const served = m.provider.offerings.find((o) => o.model === model);
    if (!served) throw new Error(`no offering ${model}`);
    const { streamId } = await m.openStream(account, { deposit: price * 600n, duration: 600n, providerId: served.providerId });
    const signer = await m.sessionSigner(account, streamId);
    const sent: Array<{ body: string; nonce: string }> = [];
    const openai = new OpenAI({ baseURL: `${m.provider.url}/v1`, apiKey: "unused", fetch: payingFetch(signer, sent), maxRetries: 0 });
    return { openai, signer, sent, streamId, account };
  }
  /** The log's events about `streamId` of the given types. */
  function eventsOf(streamId: bigint, ...types: string[]) {
    return m.provider.store.read({ types: types as never }).filter((e) => (e.data as { streamId?: bigint }).streamId === streamId);
  }
  return {
    m, fakes, client, eventsOf,
    async close() {
      await m.close();
      for (const f of Object.values(fakes)) await f.close();
    },
  };
}
