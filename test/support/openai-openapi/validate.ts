/**
 * Validates a response body against OpenAI's published OpenAPI schemas (an excerpt vendored in
 * schemas.json, with its source) with Ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses) and ajv-formats.
 *
 * @example
 * assertOpenAi("ErrorResponse", await res.json()); // throws naming each mismatch
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export type OpenAiSchema = "ListModelsResponse" | "CreateChatCompletionResponse" | "CreateChatCompletionStreamResponse" | "ErrorResponse";

/**
 * OpenAPI's `nullable: true` (left in a few 3.1 schemas, beside a $ref and no `type`, which Ajv refuses)
 * read as OpenAPI means it: the schema, or null.
 */
function nullableAsAnyOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(nullableAsAnyOf);
  if (typeof v !== "object" || v === null) return v;
  const { nullable, ...rest } = v as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(rest).map(([k, x]) => [k, nullableAsAnyOf(x)]));
  return nullable === true ? { anyOf: [out, { type: "null" }] } : out;
}

const spec = nullableAsAnyOf(JSON.parse(readFileSync(new URL("./schemas.json", import.meta.url), "utf8"))) as { components: unknown };
// strict: false — the spec carries OpenAPI/Stainless annotations (x-*, discriminator, nullable) that are not JSON Schema.
const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
// OpenAI's own format: Unix time in whole seconds.
ajv.addFormat("unixtime", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= 0 });
ajv.addSchema({ $id: "https://clawcompute.test/openai.json", components: spec.components });

/** Throws an assertion error listing every place `body` departs from OpenAI's schema `name`. */
export function assertOpenAi(name: OpenAiSchema, body: unknown): void {
  const validate = ajv.getSchema(`https://clawcompute.test/openai.json#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name}`);
  if (validate(body)) return;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`);
  assert.fail(`not an OpenAI ${name}: ${problems.join("; ")}\n${JSON.stringify(body).slice(0, 600)}`);
}
