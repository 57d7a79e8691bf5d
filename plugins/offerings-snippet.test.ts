/**
 * The offerings snippet in plugins/README.md (pasted into claw.config.ts by operators) stays true:
 * every built-in backend appears, and every entry — commented or not — passes its plugin's option
 * schema and the config's offering schema.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { offeringSchema } from "../config/schema.ts";
import { listLocalPlugins, loadPlugin } from "./loader.ts";
import { readmeBlock } from "./testing/readme.ts";

const root = resolve(import.meta.dirname, "..");

test("every backend is in the README's offerings snippet, with valid options", async () => {
  const block = readmeBlock("offerings");
  const lines = block.split("\n").map((l) => l.trim());
  const commented = lines.filter((l) => l.startsWith("// {")).map((l) => l.slice(3));
  const active = lines.filter((l) => l.startsWith("{"));
  assert.ok(active.length >= 1, "at least one offering works without a server or key");
  // The snippet is plain object literals (bigint prices included): evaluate each entry as JS.
  const entries = [...active, ...commented].map((l) => new Function(`return (${l.replace(/,$/, "")});`)() as { backend: string; options: unknown });
  const backends = new Set(entries.map((e) => e.backend));
  for (const name of listLocalPlugins({ root })) assert.ok(backends.has(name), `${name} is missing from the snippet`);
  for (const entry of entries) {
    const plugin = await loadPlugin(entry.backend, { root });
    const parsed = plugin.options.safeParse(entry.options);
    assert.ok(parsed.success, `${entry.backend}: ${JSON.stringify(parsed.error?.issues)}`);
    const offering = offeringSchema.safeParse(entry);
    assert.ok(offering.success, `${entry.backend}: ${JSON.stringify(offering.error?.issues)}`);
  }
  // Entries that need a key or a server are commented and say which env var or server.
  for (const l of commented) {
    const entry = new Function(`return (${l.replace(/,$/, "")});`)() as { options: { apiKeyEnv?: string } };
    if (entry.options.apiKeyEnv) assert.match(block, new RegExp(`needs ${entry.options.apiKeyEnv}|e\\.g\\. ${entry.options.apiKeyEnv}`));
  }
});
