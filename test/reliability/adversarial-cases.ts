/**
 * Every way a paid request can be wrong, as a table: what to send and what the runtime must answer
 * (status and error code). Each case is wrong in exactly one way, so its code is determined by the
 * guard's order of checks (runtime/server/guard/admit.ts). The list, case by case:
 * no payment, forged / malformed signature, someone else's signature, another consumer's stream,
 * another provider's stream, a replayed nonce (also after a restart), an expired deadline, a body
 * that is not the signed one, a cancelled / settled / exhausted stream, a rate below the price,
 * another chain's domain, malformed JSON, a body over the limit, absurd headers.
 */
import { bytesToHex } from "viem";
import { bodyHashOf, toBase64Url } from "../../runtime/core/payment.ts";
import type { PaymentSigner } from "../../runtime/client/payment-signer.ts";
import type { Fixtures } from "./adversarial-fixtures.ts";
import { rawPost } from "./raw-http.ts";

export type HttpRequest =
  | { via: "fetch"; path: string; body: string; headers: Record<string, string> }
  | { via: "raw"; bytes: Buffer };

export type Expectation = { status: number; codes: readonly string[] };

/** A request the generator already sent with a valid payment (kept to replay it). */
export type SentPaid = { path: string; body: string; headers: Record<string, string> };

export type CaseContext = {
  fx: Fixtures;
  host: string;
  rand: () => number;
  /** Paid requests served so far in this runtime life, and those served before the last restart. */
  served: SentPaid[];
  servedBeforeRestart: SentPaid[];
  bodyLimitBytes: number;
};

export type BadCase = { kind: string; expect: Expectation; weight?: number; build(c: CaseContext): Promise<HttpRequest> | HttpRequest };

const later = () => BigInt(Math.floor(Date.now() / 1000) + 3600);
const pick = <T>(c: CaseContext, xs: readonly T[]): T => xs[Math.floor(c.rand() * xs.length)]!;
const words = ["stream", "pay", "agent", "token", "chain", "claw", "second", "model", "proof", "nonce"];
/** A fresh small body; the prompt varies so that every body hash differs. */
export function freshBody(c: CaseContext, model = "echo-1"): string {
  const prompt = Array.from({ length: 2 + Math.floor(c.rand() * 3) }, () => pick(c, words)).join(" ");
  return JSON.stringify({ model, prompt: `${prompt} ${Math.floor(c.rand() * 1e9)}` });
}
const json = (path: string, body: string, headers: Record<string, string> = {}): HttpRequest => ({ via: "fetch", path, body, headers: { "content-type": "application/json", ...headers } });
const signed = async (signer: PaymentSigner, body: string, path = "/v1/inference") => json(path, body, await signer.headers(body, { path, deadline: later() }));
const paid0 = (c: CaseContext) => c.fx.paid[0]!;
const randomHex = (bytes: number) => bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));

const e401 = (...codes: string[]): Expectation => ({ status: 401, codes });
const e402 = (...codes: string[]): Expectation => ({ status: 402, codes });

export const badCases: BadCase[] = [
  // --- no payment / malformed proofs ---
  { kind: "no-payment", expect: e402("PAYMENT_REQUIRED"), build: (c) => json(pick(c, ["/v1/inference", "/inference"]), freshBody(c)) },
  { kind: "no-payment-chat", expect: e402("PAYMENT_REQUIRED"), build: (c) => json("/v1/chat/completions", JSON.stringify({ model: "echo-1", stream: true, messages: [{ role: "user", content: "free?" }] })) },
  { kind: "signature-missing", expect: e401("SIGNATURE_MISSING"), build: (c) => json("/v1/inference", freshBody(c), { "x-claw-stream": String(paid0(c).streamId), "x-claw-nonce": "1", "x-claw-deadline": String(later()) }) },
  { kind: "signature-malformed", expect: e401("SIGNATURE_MALFORMED"), build: (c) => json("/v1/inference", freshBody(c), { "x-claw-stream": String(paid0(c).streamId), "x-claw-nonce": "7", "x-claw-deadline": String(later()), "x-claw-signature": pick(c, ["0xdead", "not-hex", `0x${"z".repeat(130)}`, randomHex(64)]) }) },
  {
    kind: "session-malformed", expect: e401("SIGNATURE_MALFORMED"),
    build: async (c) => {
      const req = (await signed(paid0(c).session, freshBody(c))) as Extract<HttpRequest, { via: "fetch" }>;
      const [key, exp, sig] = req.headers["x-claw-session"]!.split(".");
      req.headers["x-claw-session"] = pick(c, [`${key}.${exp}`, `${key}.${exp}.0x1234`, `AAAA.${exp}.${sig}`, `${key}.soon.${sig}`, "..."]);
      return req;
    },
  },
  {
    kind: "forged-direct-signature", expect: e401("SIGNATURE_INVALID"),
    build: async (c) => {
      const body = freshBody(c);
      const req = (await signed(paid0(c).direct, freshBody(c))) as Extract<HttpRequest, { via: "fetch" }>;
      // A well-formed 65-byte signature that the sender never made.
      return json("/v1/inference", body, { ...req.headers, "x-claw-body-hash": bodyHashOf(body), "x-claw-signature": `${randomHex(64)}${pick(c, ["1b", "1c"])}` });
    },
  },
  {
    kind: "forged-session-signature", expect: e401("SIGNATURE_INVALID"),
    build: async (c) => {
      const req = (await signed(paid0(c).session, freshBody(c))) as Extract<HttpRequest, { via: "fetch" }>;
      req.headers["x-claw-signature"] = toBase64Url(crypto.getRandomValues(new Uint8Array(64)));
      return req;
    },
  },
  // --- someone other than the sender ---
  { kind: "stranger-direct", expect: e401("SIGNATURE_INVALID"), build: (c) => signed(c.fx.strangerDirect, freshBody(c)) },
  { kind: "stranger-session", expect: e401("SESSION_KEY_INVALID"), build: (c) => signed(c.fx.strangerSession, freshBody(c)) },
  { kind: "other-consumer-direct", expect: e401("SIGNATURE_INVALID"), build: (c) => signed(c.fx.otherConsumerDirect, freshBody(c)) },
  { kind: "other-consumer-session", expect: e401("SESSION_KEY_INVALID"), build: (c) => signed(c.fx.otherConsumerSession, freshBody(c)) },
  {
    kind: "stolen-session-key", expect: e401("SIGNATURE_INVALID"),
    build: async (c) => {
      // The victim's session authorization, replayed with a request signed by the thief's own Ed25519 key.
      const victim = (await signed(paid0(c).session, freshBody(c))) as Extract<HttpRequest, { via: "fetch" }>;
      const body = freshBody(c);
      const thief = (await signed(c.fx.strangerSession, body)) as Extract<HttpRequest, { via: "fetch" }>;
      return json("/v1/inference", body, { ...thief.headers, "x-claw-session": victim.headers["x-claw-session"]! });
    },
  },
  // --- streams that cannot pay for this offering ---
  { kind: "stream-not-found", expect: e402("STREAM_NOT_FOUND"), build: async (c) => signed(c.fx.direct(c.fx.paid[0]!.owner, 900_000_000n + BigInt(Math.floor(c.rand() * 1e6))), freshBody(c)), weight: 0.3 },
  { kind: "stream-other-provider", expect: e402("STREAM_WRONG_RECIPIENT"), build: async (c) => signed(await c.fx.signer(c.fx.paid[0]!.owner, c.fx.wrongRecipient), freshBody(c)) },
  { kind: "stream-other-offering", expect: e402("STREAM_WRONG_OFFERING"), build: async (c) => signed(await c.fx.signer(c.fx.paid[0]!.owner, c.fx.wrongOffering), freshBody(c)) },
  { kind: "rate-below-price", expect: e402("STREAM_RATE_TOO_LOW"), build: async (c) => signed(await c.fx.signer(c.fx.paid[0]!.owner, c.fx.rateTooLow), freshBody(c)) },
  { kind: "stream-cancelled", expect: e402("STREAM_ENDED"), build: async (c) => signed(await c.fx.signer(c.fx.paid[0]!.owner, c.fx.cancelled), freshBody(c)) },
  { kind: "stream-settled", expect: e402("STREAM_ENDED"), build: async (c) => signed(await c.fx.signer(c.fx.otherConsumer, c.fx.settled), freshBody(c, "echo-slow")) },
  { kind: "stream-exhausted", expect: e402("BUDGET_EXHAUSTED", "STREAM_ENDED", "STREAM_ENDING"), build: async (c) => signed(await c.fx.signer(c.fx.otherConsumer, c.fx.exhausted), freshBody(c, "echo-slow")) },
  { kind: "stream-expired", expect: e402("STREAM_ENDED"), build: async (c) => signed(await c.fx.signer(c.fx.paid[0]!.owner, c.fx.expired), freshBody(c)) },
  // --- replays, deadlines, bodies ---
  { kind: "replayed-nonce", expect: { status: 409, codes: ["NONCE_REPLAYED"] }, build: (c) => replay(c, c.served) },
  { kind: "replayed-nonce-after-restart", expect: { status: 409, codes: ["NONCE_REPLAYED"] }, build: (c) => replay(c, c.servedBeforeRestart.length ? c.servedBeforeRestart : c.served) },
  {
    kind: "deadline-expired", expect: e401("DEADLINE_EXPIRED"),
    build: async (c) => {
      const body = freshBody(c);
      return json("/v1/inference", body, await paid0(c).session.headers(body, { path: "/v1/inference", deadline: BigInt(Math.floor(Date.now() / 1000) - 1 - Math.floor(c.rand() * 1e6)) }));
    },
  },
  {
    kind: "body-not-signed-one", expect: e401("BODY_HASH_MISMATCH"),
    build: async (c) => {
      const req = (await signed(paid0(c).session, freshBody(c))) as Extract<HttpRequest, { via: "fetch" }>;
      return json("/v1/inference", freshBody(c), req.headers);
    },
  },
  {
    kind: "body-not-signed-one-no-hash", expect: e401("SIGNATURE_INVALID"),
    build: async (c) => {
      const req = (await signed(pick(c, [paid0(c).session, paid0(c).direct]), freshBody(c))) as Extract<HttpRequest, { via: "fetch" }>;
      const { "x-claw-body-hash": _dropped, ...headers } = req.headers;
      return json("/v1/inference", freshBody(c), headers);
    },
  },
  // --- another chain's (or contract's) domain ---
  { kind: "foreign-chain-direct", expect: e401("SIGNATURE_INVALID"), build: (c) => signed(c.fx.foreignChain.direct, freshBody(c)) },
  { kind: "foreign-chain-session", expect: e401("SESSION_KEY_INVALID"), build: (c) => signed(c.fx.foreignChain.session, freshBody(c)) },
  { kind: "foreign-contract-session", expect: e401("SESSION_KEY_INVALID"), build: (c) => signed(c.fx.foreignContract.session, freshBody(c)) },
  // --- bodies ---
  { kind: "malformed-json", expect: { status: 400, codes: ["INVALID_JSON"] }, build: async (c) => signed(paid0(c).session, pick(c, ["{not json", '{"prompt": "x",', "[1,2", "\u0000\u0001"])) },
  { kind: "body-over-limit", expect: { status: 413, codes: ["BODY_TOO_LARGE"] }, build: async (c) => signed(paid0(c).session, JSON.stringify({ model: "echo-1", prompt: "x".repeat(c.bodyLimitBytes + 1 + Math.floor(c.rand() * 4096)) })) },
  { kind: "schema-invalid", expect: { status: 400, codes: ["VALIDATION_FAILED"] }, build: async (c) => signed(paid0(c).session, JSON.stringify(pick(c, [{ model: "echo-1" }, { prompt: "" }, { prompt: "x", temperature: 9 }, { prompt: null }, {}]))) },
  { kind: "unknown-model", expect: { status: 404, codes: ["UNKNOWN_MODEL"] }, build: async (c) => signed(paid0(c).session, freshBody(c, "gpt-99")) },
  { kind: "wrong-media-type", expect: { status: 415, codes: ["UNSUPPORTED_MEDIA_TYPE"] }, build: (c) => ({ via: "fetch", path: "/v1/inference", body: freshBody(c), headers: { "content-type": "application/xml" } }) },
  // --- absurd headers ---
  {
    kind: "absurd-header-values", expect: e401("SIGNATURE_MALFORMED"),
    build: async (c) => {
      const req = (await signed(paid0(c).session, freshBody(c))) as Extract<HttpRequest, { via: "fetch" }>;
      const [name, value] = pick(c, [
        ["x-claw-stream", "1".repeat(100)], ["x-claw-stream", String(2n ** 256n)], ["x-claw-stream", "-1"], ["x-claw-stream", "0x10"],
        ["x-claw-nonce", "9".repeat(80)], ["x-claw-nonce", "1e9"], ["x-claw-deadline", String(2n ** 64n)], ["x-claw-deadline", "soon"],
        ["x-claw-body-hash", "0x1234"], ["x-claw-session", "a".repeat(12_000)],
      ] as const);
      req.headers[name] = value;
      return req;
    },
  },
  { kind: "headers-over-16k", expect: { status: 431, codes: ["HEADERS_TOO_LARGE"] }, weight: 0.5, build: (c) => ({ via: "raw", bytes: rawPost("/v1/inference", c.host, [["x-claw-stream", "1"], ["x-junk", "j".repeat(17_000 + Math.floor(c.rand() * 50_000))]], freshBody(c)) }) },
  { kind: "header-control-chars", expect: { status: 400, codes: ["BAD_REQUEST"] }, weight: 0.5, build: (c) => ({ via: "raw", bytes: rawPost("/v1/inference", c.host, [["x-claw-stream", "1\u0001\u0002"]], freshBody(c)) }) },
  { kind: "not-http", expect: { status: 400, codes: ["BAD_REQUEST"] }, weight: 0.3, build: (c) => ({ via: "raw", bytes: Buffer.from(pick(c, ["GARBAGE\r\n\r\n", "POST /v1/inference HTTP/9.9\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n"]), "latin1") }) },
];

function replay(c: CaseContext, from: SentPaid[]): HttpRequest {
  if (from.length === 0) throw new Error("replay: nothing served yet");
  const r = pick(c, from);
  return { via: "fetch", path: r.path, body: r.body, headers: r.headers };
}


