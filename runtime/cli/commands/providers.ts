/**
 * `claw providers list | register | update ID | cleanup` — the registry from the command line:
 * list active providers and their endpoints (optionally health-probed), register an offering
 * (idempotent), update one of this wallet's providers, and deactivate this wallet's dead or
 * duplicate entries.
 */
import type { Command } from "commander";
import { connectChain } from "../../client/chain.ts";
import { probeHealth } from "../../client/discover.ts";
import { cleanupProviders, registerOffering, updateProvider } from "../../client/provider-admin.ts";
import { effectivePrice, rankProviders } from "../../client/rank.ts";
import { activeProviders, providersOfModel, providersOfWallet, reputationsOf } from "../../client/registry.ts";
import type { ProviderInfo } from "../../client/types.ts";
import { jsonAware, printJson, usageError } from "../lib/json.ts";
import { boolArg, idArg, weiArg, withCommonOptions, type CommonOptions } from "../lib/options.ts";
import { createProgress } from "../lib/progress.ts";
import { resolveChain } from "../lib/resolve.ts";

/** The reputation column: ratings, paid-weighted averages, what raters paid; "unrated" without any. */
export function reputationText(p: ProviderInfo): string {
  const r = p.reputation;
  if (r === undefined) return "";
  if (!r || !r.averages) return `\tunrated${r && r.ratings > 0n ? ` (${r.ratings} ratings under 1 gwei)` : ""}`;
  const a = r.averages;
  return `\t${r.ratings} ratings, score ${a.score}/100, ttft ${a.ttftMs} ms, ${a.tokensPerSecond} tok/s, ${a.failures} failures, raters paid ${r.paidByRaters} wei; effective ${effectivePrice(p)} wei/s`;
}

function row(p: ProviderInfo): string {
  const health = p.health ? (p.health.ok ? ` ok ${p.health.latencyMs} ms` : ` DOWN (${p.health.detail})`) : "";
  return `#${p.id}\t${p.model}\t${p.pricePerSecond} wei/s\t${p.active ? "active" : "inactive"}\t${p.endpoint}\t${p.wallet}${health}${reputationText(p)}`;
}

function registerList(parent: Command): void {
  withCommonOptions(parent.command("list").description("list active providers, their endpoints and on-chain reputation, best effective price first (runtime/client/rank.ts)"))
    .option("-m, --model <model>", "only this exact model")
    .option("--mine", "only this wallet's providers (active or not)")
    .option("--probe", "check each endpoint's /health and show latency")
    .action(async (o: CommonOptions & { model?: string; mine?: boolean; probe?: boolean }) =>
      jsonAware(o.json, async () => {
        const { options } = await resolveChain(o, "provider", { needWallet: o.mine === true });
        const chain = await connectChain(options);
        let list = o.mine ? await providersOfWallet(chain, chain.wallet!.address) : o.model ? await providersOfModel(chain, o.model) : await activeProviders(chain);
        if (!o.mine) list = list.filter((p) => p.active);
        if (o.model) list = list.filter((p) => p.model === o.model);
        // Reputations of the 256 cheapest (the rest rank as unrated), then the discovery rule's order.
        list = rankProviders(await reputationsOf(chain, [...list].sort((a, b) => (a.pricePerSecond < b.pricePerSecond ? -1 : a.pricePerSecond > b.pricePerSecond ? 1 : 0))));
        if (o.probe) list = await Promise.all(list.map(async (p) => ({ ...p, health: await probeHealth(p.endpoint) })));
        if (o.json) printJson({ chainId: chain.chainId, registry: chain.contracts.registry, providers: list.map((p) => ({ ...p, effectivePricePerSecond: effectivePrice(p) })) });
        else process.stdout.write(list.length ? list.map(row).join("\n") + "\n" : "no providers\n");
      }),
    );
}

function registerRegister(parent: Command): void {
  withCommonOptions(parent.command("register").description("register an offering for this wallet (updates it if the model is already registered)"))
    .requiredOption("-m, --model <model>", "the exact model name")
    .requiredOption("--price <wei>", "price per second (wei, or e.g. 2gwei)", weiArg)
    .requiredOption("--endpoint <url>", "the public URL of your runtime (claw start)")
    .option("--service-type <n>", "0 text, 1 image, 2 audio", (v) => Number.parseInt(v, 10), 0)
    .action(async (o: CommonOptions & { model: string; price: bigint; endpoint: string; serviceType: number }, cmd: Command) =>
      jsonAware(o.json, async () => {
        if (!/^https?:\/\//.test(o.endpoint)) usageError(cmd, "--endpoint must be an http(s) URL.");
        const progress = createProgress({ quiet: o.quiet === true });
        progress.update(`registering ${o.model} at ${o.price} wei/s`);
        const chain = await connectChain((await resolveChain(o, "provider")).options);
        const r = await registerOffering(chain, { model: o.model, pricePerSecond: o.price, endpoint: o.endpoint, serviceType: o.serviceType });
        progress.stop();
        if (o.json) printJson({ providerId: r.providerId, action: r.action, endpoint: r.endpoint, txHash: r.txHash ?? null, wallet: chain.wallet!.address });
        else process.stdout.write(`provider #${r.providerId} ${r.action} (${o.model}, ${o.price} wei/s, ${r.endpoint})${r.txHash ? ` tx ${r.txHash}` : ""}\n`);
      }),
    );
}

function registerUpdate(parent: Command): void {
  withCommonOptions(parent.command("update").description("change price, endpoint or active flag of one of this wallet's providers"))
    .argument("<id>", "registry provider id", idArg)
    .option("--price <wei>", "new price per second", weiArg)
    .option("--endpoint <url>", "new endpoint URL")
    .option("--active <bool>", "true or false", boolArg)
    .action(async (id: bigint, o: CommonOptions & { price?: bigint; endpoint?: string; active?: boolean }, cmd: Command) =>
      jsonAware(o.json, async () => {
        if (o.price === undefined && o.endpoint === undefined && o.active === undefined) usageError(cmd, "give --price, --endpoint or --active.");
        const progress = createProgress({ quiet: o.quiet === true });
        progress.update(`updating provider #${id}`);
        const chain = await connectChain((await resolveChain(o, "provider")).options);
        const r = await updateProvider(chain, id, {
          ...(o.price !== undefined ? { pricePerSecond: o.price } : {}), ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}), ...(o.active !== undefined ? { active: o.active } : {}),
        });
        progress.stop();
        if (o.json) printJson({ providerId: id, changed: r.txHash !== null, txHash: r.txHash, before: r.before, after: r.after });
        else process.stdout.write(r.txHash ? `updated: ${row(r.after)}\ntx ${r.txHash}\n` : `unchanged: ${row(r.after)}\n`);
      }),
    );
}

function registerCleanup(parent: Command): void {
  withCommonOptions(parent.command("cleanup").description("deactivate this wallet's providers with dead endpoints, and duplicates of one model"))
    .option("--dry-run", "only show what would be deactivated")
    .action(async (o: CommonOptions & { dryRun?: boolean }) =>
      jsonAware(o.json, async () => {
        const progress = createProgress({ quiet: o.quiet === true });
        progress.update("checking this wallet's providers");
        const chain = await connectChain((await resolveChain(o, "provider")).options);
        const actions = await cleanupProviders(chain, { apply: !o.dryRun });
        progress.stop();
        if (o.json) printJson({ wallet: chain.wallet!.address, dryRun: o.dryRun === true, deactivated: actions });
        else if (actions.length === 0) process.stdout.write("nothing to clean up\n");
        else for (const a of actions) process.stdout.write(`${o.dryRun ? "would deactivate" : "deactivated"} #${a.id} ${a.model} ${a.endpoint}: ${a.reason} (${a.detail})${a.txHash ? ` tx ${a.txHash}` : ""}\n`);
      }),
    );
}

export function register(program: Command): void {
  const providers = program.command("providers").description("list, register, update and clean up registry providers");
  registerList(providers);
  registerRegister(providers);
  registerUpdate(providers);
  registerCleanup(providers);
}
