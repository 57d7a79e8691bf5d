/**
 * The streams and signers the adversarial generator needs, set up on a running market: funded
 * streams for the paid requests, and one stream (or signer) per way a payment can be wrong
 * (another provider, another offering, a rate below the price, cancelled, settled, exhausted,
 * expired, another chain's domain, a stranger's key).
 */
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Address } from "viem";
import { paymentDomain, type PaymentDomain } from "../../runtime/core/payment.ts";
import { createDirectSigner, createSessionSigner, type PaymentSigner } from "../../runtime/client/payment-signer.ts";
import type { ReliabilityMarket } from "./market.ts";
import { waitFor } from "./market.ts";

/** The offerings the adversarial run serves (prices in wei per second). */
export const adversarialOfferings = (price: bigint) => [
  { model: "echo-1", backend: "echo", options: { tokensPerSecond: 1000 }, pricePerSecond: price, concurrency: 16, maxQueue: 1024, maxJobSeconds: 5 },
  { model: "echo-2", backend: "echo", options: { tokensPerSecond: 1000 }, pricePerSecond: price, concurrency: 4, maxJobSeconds: 5 },
  { model: "echo-slow", backend: "echo", options: { tokensPerSecond: 5 }, pricePerSecond: price, concurrency: 8, maxJobSeconds: 2 },
];

export type PaidStream = { streamId: bigint; deposit: bigint; owner: PrivateKeyAccount; session: PaymentSigner; direct: PaymentSigner };

export type Fixtures = {
  price: bigint;
  providerId: bigint;
  paid: PaidStream[];
  /** A consumer with streams of its own, who tries to spend another consumer's stream. */
  otherConsumer: PrivateKeyAccount;
  /** A key that never opened anything. */
  stranger: PrivateKeyAccount;
  wrongRecipient: bigint;
  wrongOffering: bigint;
  rateTooLow: bigint;
  cancelled: bigint;
  settled: bigint;
  exhausted: bigint;
  expired: bigint;
  /** Signers whose proofs are bound to another chain id / another StreamPay contract. */
  foreignChain: { session: PaymentSigner; direct: PaymentSigner };
  foreignContract: { session: PaymentSigner; direct: PaymentSigner };
  /** Session signers authorized by someone other than the paid stream's sender. */
  otherConsumerSession: PaymentSigner;
  strangerSession: PaymentSigner;
  otherConsumerDirect: PaymentSigner;
  strangerDirect: PaymentSigner;
  signer(account: PrivateKeyAccount, streamId: bigint, domain?: PaymentDomain): Promise<PaymentSigner>;
  direct(account: PrivateKeyAccount, streamId: bigint, domain?: PaymentDomain): PaymentSigner;
};

const longPrompt = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ");

async function paidRequest(m: ReliabilityMarket, signer: PaymentSigner, model: string, prompt: string): Promise<Response> {
  const body = JSON.stringify({ model, prompt });
  return fetch(`${m.runtime.url}/v1/inference`, { method: "POST", body, headers: { "content-type": "application/json", ...(await signer.headers(body, { path: "/v1/inference" })) } });
}

/**
 * @example
 * const fx = await setupFixtures(m, { price: 1_000_000n, paidStreams: 4 });
 */
export async function setupFixtures(m: ReliabilityMarket, o: { price: bigint; paidStreams: number }): Promise<Fixtures> {
  const { price } = o;
  const offering = (model: string) => m.runtime.offerings.find((x) => x.model === model)!.providerId;
  const providerId = offering("echo-1");
  const signer = (account: PrivateKeyAccount, streamId: bigint, domain = m.domain) => createSessionSigner({ account, domain, streamId, ttlSeconds: 86_400 });
  const direct = (account: PrivateKeyAccount, streamId: bigint, domain = m.domain) => createDirectSigner({ account, domain, streamId });
  const a = m.account(2);
  const b = m.account(3);
  const open = (account: PrivateKeyAccount, deposit: bigint, duration: bigint, pid = providerId, recipient?: Address) =>
    m.openStream(account, { deposit, duration, providerId: pid, ...(recipient ? { recipient } : {}) }).then((s) => s.streamId);

  // Exhausted and settled: a 12-second stream paying 3 × the price runs three slow jobs at once
  // (floor(rate / price) = 3 slots); each is cut after its 2-second reservation and answers its
  // partial text (200, finish_reason "length"), billed up to its last word. No job may run into the
  // last 5 s (the settlement margin), and there the runtime settles the stream before it expires:
  // by the time the run starts both streams are spent in time (STREAM_ENDING) or settled
  // (STREAM_ENDED). Started first so that this overlaps with the rest of the setup.
  const slowId = offering("echo-slow");
  const exhaust = async (id: bigint) => {
    const s = await signer(b, id);
    const answers = await Promise.all([1, 2, 3].map(async () => {
      const res = await paidRequest(m, s, "echo-slow", longPrompt);
      return `${res.status} ${await res.text()}`;
    }));
    const cut = (a: string) => a.startsWith("200") && a.includes('"finish_reason":"length"') && a.includes("JOB_BUDGET_CUT");
    if (!answers.every(cut)) throw new Error(`fixture: expected budget cuts on stream ${id}, got ${answers.join(" / ")}`);
  };
  const exhausted = await open(b, price * 36n, 12n, slowId);
  const settled = await open(b, price * 36n, 12n, slowId);
  const cuts = Promise.allSettled([exhaust(exhausted), exhaust(settled)]);

  const paid: PaidStream[] = [];
  for (let i = 0; i < o.paidStreams; i++) {
    const owner = i % 2 === 0 ? a : b;
    const deposit = price * 1_000_000n;
    const streamId = await open(owner, deposit, 1_000_000n);
    paid.push({ streamId, deposit, owner, session: await signer(owner, streamId), direct: direct(owner, streamId) });
  }
  const stranger = privateKeyToAccount(generatePrivateKey());
  const wrongRecipient = await open(a, price * 600n, 600n, 0n, m.account(9).address);
  const wrongOffering = await open(a, price * 600n, 600n, offering("echo-2"));
  const rateTooLow = await open(a, price * 600n - 1n, 600n);
  const cancelled = await open(a, price * 600n, 600n);
  await m.cancelStream(a, cancelled);
  const expired = await open(a, price * 1n, 1n);
  const foreignChainDomain = paymentDomain(97, m.contracts.streamPay);
  const foreignContractDomain = paymentDomain(m.chainId, m.contracts.registry);
  const target = paid[0]!.streamId;
  const fx: Fixtures = {
    price, providerId, paid, otherConsumer: b, stranger, wrongRecipient, wrongOffering, rateTooLow, cancelled, settled, exhausted, expired,
    foreignChain: { session: await signer(a, target, foreignChainDomain), direct: direct(a, target, foreignChainDomain) },
    foreignContract: { session: await signer(a, target, foreignContractDomain), direct: direct(a, target, foreignContractDomain) },
    otherConsumerSession: await signer(b, target),
    strangerSession: await signer(stranger, target),
    otherConsumerDirect: direct(b, target),
    strangerDirect: direct(stranger, target),
    signer,
    direct,
  };
  for (const r of await cuts) if (r.status === "rejected") throw r.reason;
  // The cancellation and the settlement must be in the runtime's log before the run starts.
  await waitFor(() => {
    const types = new Set(m.readLog().filter((e) => [cancelled, settled].includes((e.data as { streamId?: bigint }).streamId ?? -1n)).map((e) => e.type));
    return types.has("StreamCancelled") && types.has("StreamSettled") ? true : undefined;
  }, 30_000, "the cancelled and the settled fixture streams in the log");
  return fx;
}
