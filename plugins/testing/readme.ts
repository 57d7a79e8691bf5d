/**
 * Reads the tested blocks of plugins/README.md (between `<!-- name:start -->` and `<!-- name:end -->`),
 * so that the docs and the tests share one text: the drop-in example and the offerings snippet.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The code inside the fenced block between the README's `name` markers.
 *
 * @example readmeBlock("example") // the plugin source the drop-in test loads
 */
export function readmeBlock(name: string, readmePath = resolve(import.meta.dirname, "..", "README.md")): string {
  const text = readFileSync(readmePath, "utf8");
  const start = text.indexOf(`<!-- ${name}:start -->`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`plugins/README.md has no ${name}:start / ${name}:end markers`);
  const fenced = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(start, end));
  if (!fenced?.[1]) throw new Error(`plugins/README.md: no code block between the ${name} markers`);
  return fenced[1];
}
