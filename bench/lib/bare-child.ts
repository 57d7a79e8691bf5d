/**
 * The baseline server: the same echo backend behind a bare Fastify route, no payment, nothing else.
 * Runs in its own process (child.ts) so its CPU time is its own.
 */
import { resolve } from "node:path";
import Fastify from "fastify";
import { createBackend, loadPlugin } from "../../plugins/loader.ts";
import { serveBench } from "./child.ts";

const root = resolve(import.meta.dirname, "../..");
const echo = await createBackend(await loadPlugin("echo", { root }), { tokensPerSecond: 0 });
const app = Fastify({ logger: false });
app.post("/direct", async (request) => {
  const { prompt } = request.body as { prompt: string };
  let text = "";
  for await (const c of echo.infer({ task: "completion", id: "b", model: "echo-fast", prompt }, new AbortController().signal)) if (c.type === "text") text += c.text;
  return { response: text };
});
const url = await app.listen({ host: "127.0.0.1", port: 0 });
serveBench({ url }, {}, () => app.close());
