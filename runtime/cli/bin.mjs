#!/usr/bin/env node
// Entry for `npx claw`. Runs the compiled dispatcher (dist/cli/main.js, built by the postinstall:
// scripts/build-cli.ts) when it is newer than its sources, else main.ts through tsx. Either way only
// the command being run is imported, through tsx's loader (registered just before, not for --help).
import { statSync } from "node:fs";

const here = new URL("./", import.meta.url);
const compiled = new URL("../../dist/cli/main.js", import.meta.url);
const sources = ["main.ts", "commands/index.ts", "../core/errors.ts"];

let tsx;
const registerTsx = async () => {
  tsx ??= import("tsx/esm/api").then((m) => m.register());
  await tsx;
};

function compiledIsCurrent() {
  try {
    const built = statSync(compiled).mtimeMs;
    return sources.every((f) => statSync(new URL(f, here)).mtimeMs <= built);
  } catch {
    return false;
  }
}

let code;
if (compiledIsCurrent()) {
  const { main } = await import(compiled.href);
  code = await main(process.argv.slice(2), { commandsDir: new URL("./commands/", here), beforeLoad: registerTsx });
} else {
  await registerTsx();
  const { main } = await import("./main.ts");
  code = await main(process.argv.slice(2));
}
process.exit(code);
