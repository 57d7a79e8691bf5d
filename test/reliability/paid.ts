/**
 * Real paid requests as a consumer makes them, on every text route (/v1/inference, /inference,
 * /v1/chat/completions with and without `stream: true`), and the receipt the consumer reads back:
 * the job id, the metered milliseconds and the cost (from the JSON body, or the last SSE event).
 */
import type { PaymentSigner } from "../../runtime/client/payment-signer.ts";

export type PaidRoute = "inference" | "inference-seed" | "chat" | "chat-sse";
export const paidRoutes: readonly PaidRoute[] = ["inference", "inference-seed", "chat", "chat-sse"];

export type PaidRequest = { route: PaidRoute; path: string; body: string; headers: Record<string, string>; streamId: bigint; nonce: bigint };

/** What the consumer holds after a paid request: a receipt (status 200) or the error code. */
export type PaidOutcome = { status: number; jobId?: string; cost?: bigint; meteredMs?: number; code?: string; text: string };

/**
 * @example
 * const req = await buildPaid(signer, 7n, "chat-sse", "hello world", "echo-1");
 * const out = await sendPaid(url, req);
 */
export async function buildPaid(signer: PaymentSigner, streamId: bigint, route: PaidRoute, prompt: string, model: string, deadline?: bigint): Promise<PaidRequest> {
  const path = route === "inference" ? "/v1/inference" : route === "inference-seed" ? "/inference" : "/v1/chat/completions";
  const body = route.startsWith("chat")
    ? JSON.stringify({ model, ...(route === "chat-sse" ? { stream: true } : {}), messages: [{ role: "user", content: prompt }] })
    : JSON.stringify({ model, prompt });
  const proof = await signer.headers(body, { path, deadline: deadline ?? BigInt(Math.floor(Date.now() / 1000) + 3600) });
  return { route, path, body, headers: { "content-type": "application/json", ...proof }, streamId, nonce: BigInt(proof["x-claw-nonce"]!) };
}

type Claw = { jobId: string; cost: string; meteredMs: number };

/** Reads the receipt out of a finished response body (JSON or SSE). */
export function parseReceipt(status: number, contentType: string, text: string): PaidOutcome {
  if (contentType.includes("text/event-stream")) {
    const events = text.split("\n\n").filter(Boolean);
    if (events.at(-1) !== "data: [DONE]") return { status, text, code: "SSE_INCOMPLETE" };
    const last = JSON.parse(events.at(-2)!.slice(6)) as { claw?: Claw; error?: { code: string } };
    if (!last.claw) return { status, text, code: last.error?.code ?? "SSE_NO_RECEIPT" };
    return { status, text, jobId: last.claw.jobId, cost: BigInt(last.claw.cost), meteredMs: last.claw.meteredMs };
  }
  try {
    const json = JSON.parse(text) as { claw?: Claw; error?: { code: string } };
    if (status === 200 && json.claw) return { status, text, jobId: json.claw.jobId, cost: BigInt(json.claw.cost), meteredMs: json.claw.meteredMs };
    return { status, text, ...(json.error?.code ? { code: json.error.code } : {}) };
  } catch {
    return { status, text, code: "NOT_JSON" };
  }
}

/** Sends a paid request and reads its whole answer. Network errors are thrown (the caller decides). */
export async function sendPaid(url: string, req: Pick<PaidRequest, "path" | "body" | "headers">, signal?: AbortSignal): Promise<PaidOutcome> {
  const res = await fetch(`${url}${req.path}`, { method: "POST", body: req.body, headers: req.headers, ...(signal ? { signal } : {}) });
  const text = await res.text();
  return parseReceipt(res.status, res.headers.get("content-type") ?? "", text);
}
