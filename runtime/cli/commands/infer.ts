/**
 * `claw infer -m MODEL "prompt"`: buy inference. Discovers the best-ranked active provider of exactly
 * that model (runtime/client/rank.ts: price and on-chain reputation; or --provider ID), opens a stream sized for the job, streams the answer to stdout,
 * asks the provider to settle, and prints the cost and refund on stderr (or one JSON object with
 * --json). `--keep-open` leaves the stream open for more prompts (`--stream ID`); a prompt of "-"
 * reads one prompt per line from stdin, all answered on one stream.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { createClawClient } from "../../client/client.ts";
import type { Session } from "../../client/session.ts";
import { ClawError } from "../../core/errors.ts";
import { closedReport, inferReport, summaryLines, type InferReport } from "../lib/infer-report.ts";
import { jsonAware, printJson, usageError } from "../lib/json.ts";
import { idArg, secondsArg, weiArg, withCommonOptions, type CommonOptions } from "../lib/options.ts";
import { createProgress, type Progress } from "../lib/progress.ts";
import { resolveChain } from "../lib/resolve.ts";

type InferOptions = CommonOptions & {
  model?: string; maxPrice?: bigint; maxDeposit?: bigint; expectedSeconds?: number; provider?: bigint; keepOpen?: boolean;
  stream?: bigint; cancel?: boolean; image?: string; audio?: string; maxTokens?: number; probe: boolean; rate?: boolean;
};

async function readPrompts(parts: string[]): Promise<string[]> {
  const prompt = parts.join(" ").trim();
  if (prompt !== "-") return prompt ? [prompt] : [];
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin })) if (line.trim()) lines.push(line.trim());
  return lines;
}

function imagePath(file: string, index: number, count: number): string {
  if (count === 1) return file;
  const ext = extname(file);
  return `${file.slice(0, file.length - ext.length)}-${index + 1}${ext || ".png"}`;
}

/** Runs one prompt on the session; returns the answer text and the files written. */
async function answerOne(session: Session, prompt: string, o: InferOptions, progress: Progress): Promise<{ answer: string; files: string[] }> {
  if (o.image) {
    progress.update(`generating an image on ${session.provider.endpoint}`);
    const r = await session.image(prompt);
    const files = r.images.map((png, i) => imagePath(o.image!, i, r.images.length));
    r.images.forEach((png, i) => writeFileSync(files[i]!, png));
    if (!o.json) progress.note(`wrote ${files.join(", ")}`);
    return { answer: files.join("\n"), files };
  }
  if (o.audio) {
    progress.update(`transcribing ${o.audio} on ${session.provider.endpoint}`);
    const r = await session.transcribe(new Uint8Array(readFileSync(o.audio)), { filename: basename(o.audio), ...(prompt ? { prompt } : {}) });
    if (!o.json) process.stdout.write(r.text + "\n");
    return { answer: r.text, files: [] };
  }
  progress.update(`waiting for the answer from ${session.provider.endpoint}`);
  const run = session.infer(prompt, o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {});
  if (!o.json) {
    let first = true;
    for await (const token of run) {
      if (first) progress.pause();
      first = false;
      process.stdout.write(token);
    }
    process.stdout.write("\n");
  }
  return { answer: (await run.result()).text, files: [] };
}

async function runInfer(parts: string[], o: InferOptions, cmd: Command): Promise<void> {
  if (o.image && o.audio) usageError(cmd, "--image and --audio cannot be combined.");
  if (!o.model && o.stream === undefined) usageError(cmd, "--model is required (or --stream ID to use an open stream).");
  const prompts = await readPrompts(parts);
  if (prompts.length === 0 && o.stream === undefined && !o.audio) usageError(cmd, "a prompt is required.");
  const progress = createProgress({ quiet: o.quiet === true });
  const { options } = await resolveChain(o, "consumer");
  const claw = await createClawClient({ ...options, onProgress: (e) => progress.update(e) });
  if (o.stream !== undefined && prompts.length === 0 && !o.audio) {
    const { receipt, provider } = await claw.closeStream(o.stream, { cancel: o.cancel === true, onProgress: (e) => progress.update(e) });
    return finish(closedReport(provider, receipt), o, progress);
  }
  const session = o.stream !== undefined
    ? await claw.resumeSession(o.stream)
    : await claw.openSession({
        model: o.model!, probe: o.probe,
        ...(o.provider !== undefined ? { providerId: o.provider } : {}),
        ...(o.maxPrice !== undefined ? { maxPricePerSecond: o.maxPrice } : {}),
        ...(o.maxDeposit !== undefined ? { maxDeposit: o.maxDeposit } : {}),
        ...(o.expectedSeconds !== undefined ? { expectedSeconds: o.expectedSeconds } : {}),
      });
  if (o.model && session.provider.model !== o.model) {
    throw new ClawError("BAD_REQUEST", { message: `Stream ${session.stream.streamId} pays for ${session.provider.model}, not ${o.model}.` });
  }
  const answers: string[] = [];
  const files: string[] = [];
  try {
    for (const prompt of prompts.length > 0 ? prompts : o.audio ? [""] : []) {
      const r = await answerOne(session, prompt, o, progress);
      answers.push(r.answer);
      files.push(...r.files);
    }
  } catch (err) {
    if (!o.keepOpen) await session.close({ cancel: o.cancel === true, onProgress: (e) => progress.update(e) }).catch(() => undefined);
    progress.stop();
    throw err;
  }
  const receipt = o.keepOpen ? undefined : await session.close({ cancel: o.cancel === true, rate: o.rate === true, onProgress: (e) => progress.update(e) });
  const rated = receipt?.rating;
  if (rated && !o.json) progress.note(rated.posted ? `rated provider #${session.provider.id}: score ${rated.rating.score}/100 (tx ${rated.txHash}, ${rated.gasUsed} gas)` : `not rated: ${rated.reason}`);
  finish(inferReport(session, answers, files, receipt), o, progress);
}

function finish(report: InferReport, o: InferOptions, progress: Progress): void {
  progress.stop();
  if (o.json) printJson(report);
  else for (const line of summaryLines(report)) progress.note(line);
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command("infer")
      .description("buy inference from the cheapest provider of a model, paid per second by a stream")
      .argument("[prompt...]", 'the prompt ("-" reads one prompt per line from stdin, all on one stream)')
      .option("-m, --model <model>", "the exact model name (required unless --stream)")
      .option("--max-price <wei>", "refuse providers asking more than this per second (wei, or e.g. 2gwei)", weiArg)
      .option("--max-deposit <wei>", "never lock more than this in the stream", weiArg)
      .option("--expected-seconds <s>", "compute time you expect to buy (sizes the deposit; default 30)", secondsArg)
      .option("--provider <id>", "buy from this registry provider id instead of the cheapest", idArg)
      .option("--keep-open", "leave the stream open for more prompts (continue with --stream ID)")
      .option("--stream <id>", "use a stream this wallet left open; without a prompt, just close it", idArg)
      .option("--cancel", "close by cancelling (time-based split) instead of asking the provider to settle")
      .option("--image <file>", "image offering: write the generated PNG to FILE")
      .option("--audio <file>", "speech-to-text offering: transcribe FILE (the prompt, if any, guides it)")
      .option("--max-tokens <n>", "cap the answer's length", (v) => Number.parseInt(v, 10))
      .option("--no-probe", "skip the providers' health check")
      .option("--rate", "after closing, rate the provider on chain from this run's receipts (costs ~51,600 gas; runtime/client/rating.ts)"),
  ).action(async (parts: string[], opts: InferOptions, cmd: Command) => jsonAware(opts.json, () => runInfer(parts, opts, cmd)));
}
