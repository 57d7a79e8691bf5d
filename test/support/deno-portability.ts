/**
 * The portability rules that keep the runtime running under Deno 2 as well as Node (docs/deno.md,
 * "The portability rule"), checked on the syntax tree (TypeScript's parser, so comments, strings
 * and type positions never count). Runtime-specific code lives only in the entry points
 * (runtime/entry/, runtime/cli/bin.mjs) and the store drivers (runtime/store/driver*.ts).
 *
 * Everywhere in runtime/, plugins/ and config/ (tests excepted):
 *   node-prefix   Node built-ins are imported as `node:x` (Deno resolves only the prefixed form).
 *   node-missing  no built-in Deno lacks or only stubs (cluster, vm, v8, inspector, …); node:sqlite
 *                 only in the store drivers; node:test / node:assert only in tests and testing/ helpers.
 *   native-addon  no npm package whose dependency closure holds a native addon (Deno cannot load
 *                 V8-ABI addons such as better-sqlite3): the store drivers are the one exception.
 *   cjs-global    no require / module / exports / __dirname / __filename: ES modules in both runtimes.
 *   deno-global   no `Deno`: that namespace belongs to runtime/entry/deno.ts.
 * In the portable parts (runtime/core, runtime/scheduler, runtime/server, plugins) also:
 *   node-builtin  only the built-ins on `portableBuiltins` (Deno implements them; add one with a reason).
 *   process       no `process` (nor globalThis.process): env, cwd, argv, exit codes and signals are the
 *                 entry point's, and the parts receive what they need as arguments.
 *   buffer-global no `Buffer` value without `import { Buffer } from "node:buffer"`.
 *   global        no `global`: globalThis is the standard name.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

export type Rule = "node-prefix" | "node-missing" | "native-addon" | "cjs-global" | "deno-global" | "node-builtin" | "process" | "buffer-global" | "global";
export type Violation = { file: string; line: number; rule: Rule; text: string };

export const portableDirs = ["runtime/core", "runtime/scheduler", "runtime/server", "plugins"];
export const scannedDirs = ["runtime", "plugins", "config"];
/** Runtime-specific by design: the entry points and the store drivers. */
export const runtimeSpecific = [/^runtime\/entry\//, /^runtime\/store\/driver[^/]*\.ts$/];

/** Built-ins the portable parts may use: each is implemented by Deno 2 and exercised under it. */
export const portableBuiltins = new Set([
  "node:buffer", "node:crypto", "node:events", "node:fs", "node:fs/promises", "node:http", "node:https", "node:net",
  "node:path", "node:stream", "node:stream/promises", "node:stream/web", "node:string_decoder", "node:timers",
  "node:timers/promises", "node:url", "node:util", "node:zlib", "node:async_hooks", "node:os",
]);
/** Built-ins that Deno does not implement, or implements only in part. */
export const missingInDeno = new Set(["node:cluster", "node:trace_events", "node:wasi", "node:sea", "node:inspector", "node:inspector/promises", "node:v8", "node:vm", "node:domain", "node:repl"]);
const testOnly = new Set(["node:test", "node:assert", "node:assert/strict"]);
const cjsGlobals = new Set(["require", "module", "exports", "__dirname", "__filename"]);
const portableGlobals: Record<string, Rule> = { process: "process", Buffer: "buffer-global", global: "global" };

const builtinNames = new Set(createRequire(import.meta.url)("node:module").builtinModules as string[]);
const isTestHelper = (file: string) => /(^|\/)testing\//.test(file);

/** Whether `file` (relative to the repository root) is in one of the portable parts. */
export const isPortable = (file: string) => portableDirs.some((d) => file.startsWith(`${d}/`));

function declaredNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if ((ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isParameter(n) || ts.isClassDeclaration(n) || ts.isBindingElement(n)
      || ts.isImportSpecifier(n) || ts.isImportClause(n) || ts.isNamespaceImport(n) || ts.isImportEqualsDeclaration(n)) && n.name && ts.isIdentifier(n.name)) {
      names.add(n.name.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return names;
}

function inTypePosition(n: ts.Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (ts.isTypeNode(p) || ts.isInterfaceDeclaration(p) || ts.isTypeAliasDeclaration(p)) return true;
    if (ts.isStatement(p) || ts.isSourceFile(p)) return false;
  }
  return false;
}

/** An identifier that reads a global (not a property name, a declaration's name, or a type). */
function readsGlobal(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p)
    || ts.isMethodSignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p)) && p.name === id) return false;
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  return !inTypePosition(id);
}

const unwrap = (e: ts.Expression): ts.Expression =>
  ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) ? unwrap(e.expression) : e;

/**
 * The violations in one file's source. `packageCheck` says whether a bare npm import carries a native addon.
 * @example
 * scanSource("runtime/core/x.ts", 'import fs from "fs";', () => false) // [{ rule: "node-prefix", line: 1, ... }]
 */
export function scanSource(file: string, text: string, hasNativeAddon: (specifier: string, file: string) => boolean): Violation[] {
  if (runtimeSpecific.some((r) => r.test(file))) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const portable = isPortable(file);
  const declared = declaredNames(source);
  const out: Violation[] = [];
  const report = (n: ts.Node, rule: Rule) => {
    const line = source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1;
    out.push({ file, line, rule, text: n.getText(source).split("\n")[0]!.slice(0, 120) });
  };
  const checkSpecifier = (n: ts.Node, spec: string) => {
    if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("file:")) return;
    if (!spec.startsWith("node:")) {
      if (builtinNames.has(spec) || builtinNames.has(spec.split("/")[0]!)) return report(n, "node-prefix");
      if (hasNativeAddon(spec, file)) report(n, "native-addon");
      return;
    }
    if (missingInDeno.has(spec) || spec === "node:sqlite") return report(n, "node-missing");
    if (testOnly.has(spec)) return isTestHelper(file) ? undefined : report(n, "node-missing");
    if (portable && !portableBuiltins.has(spec)) report(n, "node-builtin");
  };
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(n) ? n.importClause?.isTypeOnly === true : n.isTypeOnly;
      if (!typeOnly) checkSpecifier(n, n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      checkSpecifier(n, n.arguments[0].text);
    } else if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(unwrap(n.expression)) && (unwrap(n.expression) as ts.Identifier).text === "globalThis") {
      const name = n.name.text;
      if (name === "Deno") report(n, "deno-global");
      else if (portable && portableGlobals[name] && name !== "global") report(n, portableGlobals[name]);
    } else if (ts.isIdentifier(n) && !declared.has(n.text) && readsGlobal(n)) {
      if (cjsGlobals.has(n.text)) report(n, "cjs-global");
      else if (n.text === "Deno") report(n, "deno-global");
      else if (portable && portableGlobals[n.text]) report(n, portableGlobals[n.text]!);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

const addonCache = new Map<string, boolean>();

function packageRoot(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** True when the package `name` (resolved from `fromDir`) or anything it depends on is a native addon. */
export function packageHasNativeAddon(name: string, fromDir: string, seen = new Set<string>()): boolean {
  const root = packageRoot(name, fromDir);
  if (!root) return false;
  if (addonCache.has(root)) return addonCache.get(root)!;
  if (seen.has(root)) return false;
  seen.add(root);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { gypfile?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
  const own = pkg.gypfile === true || existsSync(join(root, "binding.gyp")) || existsSync(join(root, "build", "Release"))
    || ["bindings", "node-gyp-build", "prebuild-install", "node-addon-api"].some((d) => d in (pkg.dependencies ?? {}));
  const result = own || Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).some((d) => packageHasNativeAddon(d, root, seen));
  addonCache.set(root, result);
  return result;
}

/** The package name of a bare specifier: "viem/accounts" -> "viem", "@fastify/static/x" -> "@fastify/static". */
export const packageName = (spec: string) => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");

function listFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listFiles(full, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/**
 * Every violation under `root`'s runtime/, plugins/ and config/.
 * @example
 * checkTree("/work/main").filter((v) => v.rule === "process") // []
 */
export function checkTree(root: string): Violation[] {
  const selfName = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string }).name;
  const addon = (spec: string, file: string) => packageName(spec) !== selfName && packageHasNativeAddon(packageName(spec), dirname(join(root, file)));
  return scannedDirs.flatMap((d) => listFiles(join(root, d)))
    .flatMap((full) => scanSource(relative(root, full).split("\\").join("/"), readFileSync(full, "utf8"), addon));
}
