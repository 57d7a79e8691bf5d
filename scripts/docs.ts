/** `npm run docs`: rebuilds the README's generated sections (see readme-sections.ts). */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { regenerate } from "./readme-sections.ts";

const readmePath = resolve(import.meta.dirname, "..", "README.md");
const current = readFileSync(readmePath, "utf8");
const next = regenerate(current);
if (next !== current) {
  writeFileSync(readmePath, next);
  console.log("README.md regenerated");
} else console.log("README.md is up to date");
