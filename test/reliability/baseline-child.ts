/**
 * The load baseline: the same echo backend behind a bare Fastify route, no payment, no log, in its
 * own process like the runtime. Same path and body as the paid requests (payment headers ignored),
 * so the load child can drive both. Prints `ready {"url"}`; exits on SIGTERM.
 * Usage: node --import tsx test/reliability/baseline-child.ts <tokensPerSecond>
 */
import { resolve } from "node:path";
import Fastify from "fastify";
import { createBackend, loadPlugin } from "../../plugins/loader.ts";

const root = resolve(import.meta.dirname, "../..");
const echo = await createBackend(await loadPlugin("echo", { root }), { tokensPerSecond: Number(process.argv[2] ?? 0) });
const app = Fastify({ logger: false });
app.post("/v1/inference", async (request) => {
  const { prompt, model } = request.body as { prompt: string; model: string };
  let text = "";
  for await (const c of echo.infer({ task: "completion", id: "baseline", model, prompt }, new AbortController().signal)) if (c.type === "text") text += c.text;
  return { response: text };
});
const url = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`ready ${JSON.stringify({ url })}\n`);
process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
