/**
 * Starts a provider runtime: the event log, the backends, the chain (clients, registration, watcher),
 * budgets, settlement and the HTTP server, wired through one ServerContext. Used by `claw start`,
 * `claw dev` and the tests. `close()` is the graceful shutdown: stop accepting, let running jobs
 * finish (aborting them after `graceMs`), stop settlement and the watcher, close the log.
 *
 * The log is the SQLite file (one runtime) or, with `store.url`, a PostgreSQL database that several
 * instances of one provider share (./runtime-store.ts, ./scale-out.ts): then the settler and the
 * chain watcher run only on the instance holding that role (./roles.ts), and the others take over
 * when it dies.
 */
import { setMaxListeners } from "node:events";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import type { ClawConfig } from "../../config/schema.ts";
import { jobRejected, type NewEvent } from "../core/events.ts";
import { parallelSlots } from "../core/admission.ts";
import { paymentDomain } from "../core/payment.ts";
import { createChainClients, type ChainClients } from "../chain/client.ts";
import { ensureRegistered } from "../chain/register-offering.ts";
import type { ChainReadObserver } from "../chain/read-observer.ts";
import { createStreamCache } from "../chain/stream-cache.ts";
import { createChainWatcher, type ChainWatcher } from "../chain/watcher.ts";
import { createBudgetLedger } from "../scheduler/budget-ledger.ts";
import { runJob, streamStopped } from "../scheduler/run-job.ts";
import { createSettler } from "../settlement/settler.ts";
import { buildApp } from "../server/app.ts";
import type { DevContext, ServedOffering, ServerContext } from "../server/context.ts";
import { settleNowRoutes } from "../server/routes/settle-now.ts";
import { createAdmitter } from "../server/guard/admit.ts";
import { createProofVerifier } from "../server/guard/verify-proof.ts";
import { providerKeyAgreement } from "../server/guard/session-mac.ts";
import { createSenderCheck } from "../server/guard/verify-sender.ts";
import { createJobChunks } from "../server/job-chunks.ts";
import { createReceiptSigner } from "./receipt-signer.ts";
import type { EventStore } from "../store/types.ts";
import { openRuntimeStore } from "./open-runtime-store.ts";
import { createRole, type Role } from "./roles.ts";
import type { RuntimeStore } from "./runtime-store.ts";
import { wireSharedLog } from "./scale-out.ts";
import { foreignOpenJobs } from "./follow-instances.ts";
import { underRole } from "./under-role.ts";
import { healthCheck } from "./health.ts";
import { createLogger } from "./logger.ts";
import { loadOfferings } from "./offerings.ts";
import { recover } from "./recover.ts";
import { resumeOpenStreams } from "./resume-streams.ts";
import type { Projections } from "../core/projections/index.ts";
import { resolveChain, walletKey, type ResolvedChain } from "./resolve-chain.ts";

export type ProviderOptions = {
  config: ClawConfig;
  root?: string;
  env?: Record<string, string | undefined>;
  chain?: Partial<ResolvedChain>;
  logger?: Logger;
  graceMs?: number;
  /** Set by `claw dev` only: the local chain and its consumer dev accounts, for the dashboard. */
  dev?: DevContext;
  /** Tests: override config.store.leaderRetryMs / slotTtlMs (a log shared by several instances). */
  leaderRetryMs?: number;
  slotTtlMs?: number;
};

export type RunningProvider = {
  url: string;
  app: FastifyInstance;
  /** The log as the HTTP layer reads it (on a shared log: this instance's copy, read-only). */
  store: EventStore;
  /** The log as the runtime writes it: SQLite, or PostgreSQL shared by several instances. */
  runtimeStore: RuntimeStore;
  /** Leader roles among the instances sharing the log (both always held on SQLite). */
  roles: { settler: Role; watcher: Role };
  views: Projections;
  clients: ChainClients;
  chain: ResolvedChain;
  offerings: ServedOffering[];
  watcher: ChainWatcher;
  settler: ReturnType<typeof createSettler>;
  close(): Promise<void>;
};

export async function startProvider(o: ProviderOptions): Promise<RunningProvider> {
  const { config } = o;
  const root = o.root ?? process.cwd();
  const env = o.env ?? {};
  const log = o.logger ?? createLogger(config.log);
  const chain = resolveChain(config, o.chain);
  const clients = createChainClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId, privateKey: walletKey(config, env), name: chain.name, pollingIntervalMs: config.chain.pollIntervalMs });
  const port = await openRuntimeStore(config, root, {
    // PostgreSQL: a background write or read (it retries). SQLite: the checkpoint worker failed (inline again).
    onError: (err) => log.warn({ err }, config.store.url ? "shared event log: a background write or read failed; it retries" : "event log: background checkpoints stopped; SQLite checkpoints inline again"),
    slotTtlMs: o.slotTtlMs ?? config.store.slotTtlMs,
  });
  // Reads (views, routes) go to `store`; writes go through the port.
  const store = port.log;
  let served: Awaited<ReturnType<typeof loadOfferings>>;
  try {
    served = await loadOfferings(config.offerings, { root, env, log: log.child({ part: "plugin" }) });
  } catch (err) {
    await port.close();
    throw err;
  }
  // On a shared log, jobs open in it may run on other instances: the settler's reaper closes dead ones.
  const views = recover(store, { reapOpenJobs: !port.shared });
  const ledger = createBudgetLedger({ endMarginMs: config.settlement.endMarginSeconds * 1000 });
  // Chain read latency and errors (claw_chain_read_seconds): the metrics live in the app, built below;
  // reads made before it exists are not counted.
  let observeRead: ChainReadObserver | undefined;
  const onRead: ChainReadObserver = (r) => observeRead?.(r);
  // Stop at cancel: streams are re-read at `latest` once per new block (head polled every ≤ 250 ms),
  // and a stream found stopped has its running jobs aborted (chain/stream-cache.ts).
  const streams = createStreamCache(clients.fastReadClient, chain.contracts.streamPay, {
    headPollMs: Math.min(250, config.chain.pollIntervalMs),
    onStopped: (s) => streamAborts.get(s.streamId)?.abort(streamStopped(s.streamId, s.status)),
    onRead,
  });
  const shutdown = new AbortController();
  // Every running job listens to the shutdown signal: many listeners are expected, not a leak.
  setMaxListeners(0, shutdown.signal);
  const streamAborts = new Map<bigint, AbortController>();
  const byModel = new Map(served.map((s) => [s.model, s as ServedOffering]));
  const byProviderId = new Map<bigint, ServedOffering>();
  const wallet: Address = clients.address;

  const streamsSeen = new Map<bigint, bigint>();
  const knownStreams = new Set([...views.streams.values()].filter((s) => s.jobs > 0 || s.status !== "none").map((s) => s.streamId));
  const knownProviders = new Set(views.providers.keys());
  const retryMs = o.leaderRetryMs ?? config.store.leaderRetryMs;
  const onRoleError = (err: unknown) => log.warn({ err }, "leader election failed; it retries");
  const settlerRole = createRole(port, "settler", {
    retryMs, onError: onRoleError,
    onGain: () => log.info({ instance: port.instanceId }, "this instance is the settler"),
    onLose: () => log.info({ instance: port.instanceId }, "this instance is no longer the settler"),
  });
  const shared = port.shared ? wireSharedLog({
    port, views, ledger, knownStreams, knownProviders, settlerRole, onChainEvent: (e) => onChainEvent(e),
    streamTerms: async (id) => {
      const s = await streams.get(id);
      return s ? { deposit: s.deposit, startTime: s.startTime, duration: s.duration } : null;
    },
    capacityOf: (id) => {
      const v = views.streams.get(id);
      const price = byProviderId.get(streamsSeen.get(id) ?? v?.providerId ?? 0n)?.pricePerSecond;
      return v && v.duration > 0n && price ? parallelSlots(v, price) : undefined;
    },
    onReaped: (jobId, streamId) => log.warn({ jobId, streamId: String(streamId) }, "closed a job of an instance that stopped (JOB_INTERRUPTED)"),
    onError: (err) => log.warn({ err }, "following the other instances failed; it retries"),
  }) : undefined;
  const settler = createSettler({
    clients, streamPay: chain.contracts.streamPay, ledger, store: port, isLeader: () => settlerRole.held(),
    ...(shared ? { beforeSettle: shared.beforeSettle, afterSettle: shared.afterSettle, amountOf: shared.amountOf } : {}),
    idleSeconds: config.settlement.idleSeconds, minJobMs: config.settlement.minJobMs,
    minPrice: (id) => byProviderId.get(streamsSeen.get(id) ?? (shared ? views.streams.get(id)?.providerId : undefined) ?? 0n)?.pricePerSecond ?? 1n,
    confirmations: config.chain.confirmations,
    onSettled: (streamId, amount, txHash) => log.info({ streamId: String(streamId), amount: String(amount), txHash }, "stream settled"),
    onError: (streamId, err) => log.warn({ streamId: String(streamId), err }, "settlement attempt failed; will retry"),
  });

  function onChainEvent(e: NewEvent): void {
    if (e.type === "StreamSettled" || e.type === "StreamCancelled" || e.type === "StreamBatchUpdated") {
      const id = e.data.streamId;
      const status = e.type === "StreamSettled" ? "settled" : e.type === "StreamCancelled" ? "cancelled" : "depleted";
      streams.setStatus(id, status);
      settler.markEnded(id);
      streamAborts.get(id)?.abort(streamStopped(id, status));
    }
  }

  const watcher = createChainWatcher({
    clients, contracts: chain.contracts, wallet, confirmations: config.chain.confirmations, fromBlock: chain.fromBlock,
    store: { append: (events, opts) => port.appendBatch(events, opts), getCursor: (name) => port.getCursor(name) },
    pollMs: config.chain.pollIntervalMs, knownStreams, knownProviders,
    onEvent: onChainEvent,
    onUnconfirmedStop: (e) => {
      if (e.type !== "StreamSettled" && e.type !== "StreamCancelled") return;
      // Refuse new jobs and stop running ones now; settlement bookkeeping waits for confirmations.
      const status = e.type === "StreamSettled" ? "settled" : "cancelled";
      streams.setStatus(e.data.streamId, status, { confirmed: false });
      streamAborts.get(e.data.streamId)?.abort(streamStopped(e.data.streamId, status));
    },
    onError: (err) => log.warn({ err }, "chain watcher cannot reach the node; will retry"),
    onRead,
  });

  // X25519 agreement key for MAC sessions (issue 23): derived from the wallet key, so the same on every instance.
  const agreement = await providerKeyAgreement(walletKey(config, env), paymentDomain(chain.chainId, chain.contracts.streamPay));
  const verifier = createProofVerifier(paymentDomain(chain.chainId, chain.contracts.streamPay), { keyAgreement: agreement.key });
  const meteredTotal = (s: bigint) => views.streams.get(s)?.metered ?? 0n;
  // One watcher among the instances sharing a log; it reads the shared cursor when it takes over.
  const watcherRole = createRole(port, "watcher", {
    retryMs, onError: onRoleError,
    onGain: () => {
      log.info({ instance: port.instanceId }, "this instance watches the chain");
      watcher.reloadCursor();
      watcher.start();
    },
    onLose: () => void watcher.stop(),
  });
  // The only runtime on a SQLite log admits with its own slot count; on a shared log admissions
  // also take the stream's slot in the database (./scale-out.ts).
  const admit = createAdmitter({
    wallet, streams, verifier, ledger, minJobMs: config.settlement.minJobMs,
    store: shared?.admission ?? { append: (e) => port.accept(e), hasNonce: (s, n) => port.hasNonce(s, n), meteredTotal },
  });

  let publicUrl = config.server.publicUrl ?? "";
  // The server answers while the runtime starts (the registration needs its URL); /health says ok
  // only once the offerings are registered, so a load balancer sends nothing before (a quote then
  // would name provider id 0).
  let ready = false;
  const ctx: ServerContext = {
    chainId: chain.chainId, contracts: chain.contracts, wallet, minJobMs: config.settlement.minJobMs, offerings: byModel, store, views, ledger,
    keyAgreement: agreement.offer,
    // Receipts are signed by the wallet that is each stream's recipient and settles it.
    receipts: createReceiptSigner(clients.account, paymentDomain(chain.chainId, chain.contracts.streamPay), { privateKey: walletKey(config, env) }),
    get publicUrl() {
      return publicUrl;
    },
    async admit(headers, rawBody, offering, task, target) {
      const admission = await admit(headers, rawBody, offering, task, target);
      streamsSeen.set(admission.streamId, offering.providerId);
      knownStreams.add(admission.streamId);
      return admission;
    },
    runJob(admission, offering, job, io) {
      let ctl = streamAborts.get(admission.streamId);
      if (!ctl) {
        streamAborts.set(admission.streamId, (ctl = new AbortController()));
        // Every job running on the stream listens to it (as many as its parallel slots): not a leak.
        setMaxListeners(0, ctl.signal);
      }
      // On a shared log the job's database slot is released once its ending is written and before
      // the answer ends, so a consumer's next request on a 1-slot stream finds it free on any instance.
      return runJob({ queue: offering.queue, backend: offering.backend, ledger, store: port, shutdown: shutdown.signal, progressMs: config.settlement.progressMs }, admission, job, {
        // The stream's signal goes in as `stop`: the job listens to it itself (no linked signal per job).
        ...io,
        stop: ctl.signal,
      }).finally(async () => {
        await admission.slot?.release();
      });
    },
    reject(error, streamId) {
      return port
        .append(jobRejected({ code: error.code, status: error.status, reason: error.message, ...(streamId === undefined ? {} : { streamId }) }))
        .then(() => undefined, (err) => log.error({ err }, "could not record a rejection"));
    },
    publicClient: clients.publicClient,
    ...(o.dev ? { dev: o.dev } : {}),
    health: () => healthCheck({
      chainId: chain.chainId, clients, watcher, store: port, offerings: served,
      instance: { id: port.instanceId, ready: () => ready, roles: () => ({ settler: settlerRole.held(), watcher: watcherRole.held() }) },
    }),
    jobChunks: createJobChunks(),
    ownEvents: (listener) => port.subscribeOwn(listener),
    checkSender: createSenderCheck({ wallet, streams, verifier }),
  };

  const app = await buildApp(ctx, {
    logger: log, bodyLimitBytes: config.server.bodyLimitBytes, uploadLimitBytes: config.server.uploadLimitBytes, server: config.server, metrics: config.metrics,
    extra: settleNowRoutes({
      wallet, streams, verifier, ledger, meteredTotal, settleSoon: () => settler.tick(),
      store: { hasNonce: (s, n) => store.hasNonce(s, n), append: (e) => port.append(e) },
    }),
  });
  observeRead = (r) => app.observeChainRead(r);
  await app.listen({ host: config.server.host, port: config.server.port });
  const address = app.server.address();
  const listenPort = typeof address === "object" && address ? address.port : config.server.port;
  const url = `http://${config.server.host === "0.0.0.0" ? "127.0.0.1" : config.server.host}:${listenPort}`;
  publicUrl ||= url;

  try {
    // Instances of one provider starting together register its offerings one at a time.
    await underRole(port, "registrar", async () => { for (const s of served) {
      const outcome = await ensureRegistered(clients, chain.contracts.registry, { model: s.model, pricePerSecond: s.pricePerSecond, endpoint: publicUrl, serviceType: s.serviceType }, {
        overwritePublicEndpoint: config.server.overwritePublicEndpoint, confirmations: config.chain.confirmations, fromBlock: chain.fromBlock,
      });
      s.providerId = outcome.providerId;
      byProviderId.set(outcome.providerId, s);
      log.info({ model: s.model, providerId: String(outcome.providerId), action: outcome.action, endpoint: outcome.endpoint }, "offering registered");
    } });
    // The watcher's leader catches up before serving; the others read its events from the log.
    if (await watcherRole.attempt()) await watcher.catchUp();
  } catch (err) {
    await app.close();
    await watcherRole.stop();
    await watcher.stop();
    await shared?.stop();
    await port.close();
    throw err;
  }
  await resumeOpenStreams({ views, ledger, streams, log: store, ...(shared ? { foreignJobs: (id: bigint) => foreignOpenJobs(views, id, shared.localJobs) } : {}) });
  // Asked once before returning, so that /health names a settler as soon as the instance is up.
  await settlerRole.attempt();
  watcherRole.start();
  settlerRole.start();
  settler.start();
  shared?.start();

  ready = true;
  let closing: Promise<void> | undefined;
  return {
    url, app, store, runtimeStore: port, roles: { settler: settlerRole, watcher: watcherRole }, views, clients, chain, offerings: served, watcher, settler,
    close() {
      closing ??= (async () => {
        const grace = setTimeout(() => shutdown.abort(), o.graceMs ?? 10_000);
        await app.close();
        clearTimeout(grace);
        shutdown.abort();
        await Promise.all(served.map((s) => s.queue.onIdle()));
        await settler.stop();
        await shared?.stop();
        await settlerRole.stop();
        await watcherRole.stop();
        await watcher.stop();
        for (const s of served) await s.backend.close?.();
        await port.close();
      })();
      return closing;
    },
  };
}

export type { Hex };
