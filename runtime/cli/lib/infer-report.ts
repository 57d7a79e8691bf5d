/**
 * What `claw infer` reports when it is done: one JSON object for agents (`--json`), or a summary
 * line on stderr for people (the answer itself went to stdout).
 */
import type { RatingOutcome } from "../../client/rating.ts";
import type { Session } from "../../client/session.ts";
import type { ProviderInfo, Receipt } from "../../client/types.ts";
import { formatWei } from "./amounts.ts";

export type InferReport = {
  answer: string;
  answers: string[];
  model: string;
  kind: string;
  provider: { id: bigint; wallet: string; endpoint: string; pricePerSecond: bigint };
  streamId: bigint;
  deposit: bigint;
  /** What the provider was paid (settled), or has metered so far when the stream is left open. */
  cost: bigint;
  /** What came back to the wallet; null while the stream is open. */
  refund: bigint | null;
  /** Gas this wallet paid (open, and cancel if it had to). */
  gas: bigint;
  open: boolean;
  closedBy: Receipt["closedBy"] | null;
  jobs: Array<{ jobId: string; meteredMs: number; cost: bigint }>;
  files: string[];
  txHashes: { open: string; close?: string };
  /** With `--rate`: the rating posted on chain (score, figures, tx, gas) or why none was. */
  rating?: RatingOutcome;
};

/** The report of a stream closed without a prompt (`claw infer --stream ID`). Pure. */
export function closedReport(provider: ProviderInfo, receipt: Receipt): InferReport {
  return {
    answer: "", answers: [], model: provider.model, kind: ["text", "image", "audio"][provider.serviceType] ?? "text",
    provider: { id: provider.id, wallet: provider.wallet, endpoint: provider.endpoint, pricePerSecond: provider.pricePerSecond },
    streamId: receipt.streamId, deposit: receipt.deposit, cost: receipt.paid, refund: receipt.refunded, gas: receipt.gasPaid, open: false,
    closedBy: receipt.closedBy, jobs: [], files: [], txHashes: { open: receipt.txHashes.open, ...(receipt.txHashes.close ? { close: receipt.txHashes.close } : {}) },
  };
}

/** Builds the report from the session and, once closed, its receipt. Pure. */
export function inferReport(session: Session, answers: string[], files: string[], receipt?: Receipt & { rating?: RatingOutcome }): InferReport {
  const p = session.provider;
  return {
    answer: answers.join("\n"),
    answers,
    model: p.model,
    kind: session.quote.kind,
    provider: { id: p.id, wallet: p.wallet, endpoint: p.endpoint, pricePerSecond: p.pricePerSecond },
    streamId: session.stream.streamId,
    deposit: session.stream.deposit,
    cost: receipt ? receipt.paid : session.metered(),
    refund: receipt ? receipt.refunded : null,
    gas: receipt ? receipt.gasPaid : session.stream.gasPaid,
    open: !receipt,
    closedBy: receipt?.closedBy ?? null,
    jobs: session.jobs.map((j) => ({ jobId: j.jobId, meteredMs: j.meteredMs, cost: j.cost })),
    files,
    txHashes: { open: session.stream.openTx, ...(receipt?.txHashes.close ? { close: receipt.txHashes.close } : {}) },
    ...(receipt?.rating ? { rating: receipt.rating } : {}),
  };
}

/** The lines a person sees on stderr after the answer. */
export function summaryLines(r: InferReport): string[] {
  const head = `provider #${r.provider.id} ${r.provider.endpoint} · ${r.model} at ${r.provider.pricePerSecond} wei/s · stream ${r.streamId}`;
  if (r.open) {
    return [
      head,
      `metered so far ${formatWei(r.cost)} of a ${formatWei(r.deposit)} deposit · stream left open`,
      `  continue: claw infer --stream ${r.streamId} "next prompt"    close: claw infer --stream ${r.streamId}`,
    ];
  }
  return [
    head,
    `cost ${formatWei(r.cost)} · refund ${formatWei(r.refund ?? 0n)} · gas ${formatWei(r.gas)} · ${r.closedBy}`,
    `  tx open ${r.txHashes.open}${r.txHashes.close ? `  close ${r.txHashes.close}` : ""}`,
  ];
}
