#!/usr/bin/env node
// Entry for `npx claw`: loads the TypeScript CLI through tsx's loader so no build step is needed.
import { register } from "tsx/esm/api";
register();
const { main } = await import("./main.ts");
process.exit(await main(process.argv.slice(2)));
