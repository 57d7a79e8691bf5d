/**
 * The runtime's Prometheus metrics (prom-client), one registry per app. Job facts are read from the
 * event log as it is appended (the log is the source of truth: what is billed is what is counted);
 * request, refusal and WebSocket facts are reported by the server; queue depth is read when scraped.
 *
 * Every metric is this instance's own, so that summing the instances of one provider sharing a
 * PostgreSQL log counts each job once: job facts come from the events THIS instance appended
 * (`ctx.ownEvents`), not from its copy of the whole shared log. On a SQLite log (one runtime) that is
 * the whole log. None is log-wide: the log's totals are the log's (dashboard, `claw audit`).
 */
import client from "prom-client";
import type { ChainRead } from "../../chain/read-observer.ts";
import type { StoredEvent } from "../../core/events.ts";
import type { ServerContext } from "../context.ts";

const JOB_EVENTS = new Set(["JobAccepted", "JobStarted", "JobProgress", "JobCompleted", "JobFailed", "JobRejected"]);

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * @example
 * const metrics = createMetrics(ctx);
 * metrics.request("/v1/models", "GET", 200);
 * const text = await metrics.registry.metrics();
 */
export function createMetrics(ctx: Pick<ServerContext, "store" | "offerings" | "ownEvents">, o: { lagIntervalMs?: number } = {}) {
  const registry = new client.Registry();
  const reg = { registers: [registry] };
  const requests = new client.Counter({ name: "claw_http_requests_total", help: "HTTP requests answered, by route pattern, method and status.", labelNames: ["route", "method", "status"], ...reg });
  const refusals = new client.Counter({
    name: "claw_refusals_total", help: "Refused requests by error code; logged=true when the refusal was written to the event log (a verified stream's).",
    labelNames: ["code", "logged"], ...reg,
  });
  const jobs = new client.Counter({ name: "claw_jobs_total", help: "Jobs this instance ended, by outcome (completed, failed) and failure code.", labelNames: ["outcome", "code"], ...reg });
  const meteredMs = new client.Counter({ name: "claw_metered_ms_total", help: "Milliseconds of backend work billed by this instance (its JobCompleted and JobFailed).", ...reg });
  const meteredWei = new client.Counter({ name: "claw_metered_wei_total", help: "Wei billed for this instance's jobs (a float: exact sums are in the event log).", ...reg });
  const queueWait = new client.Histogram({
    name: "claw_queue_wait_seconds", help: "Time a job waited in its offering's queue before it started.",
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], ...reg,
  });
  new client.Gauge({
    name: "claw_queue_depth", help: "Jobs waiting and running per offering.", labelNames: ["model", "state"], ...reg,
    collect() {
      for (const off of ctx.offerings.values()) {
        this.set({ model: off.model, state: "waiting" }, off.queue.size);
        this.set({ model: off.model, state: "running" }, off.queue.pending);
      }
    },
  });
  const appendLatency = new client.Histogram({
    name: "claw_store_append_seconds", help: "From a job event's creation to its commit in the log (group-commit wait included).",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], ...reg,
  });
  const chainReads = new client.Histogram({
    name: "claw_chain_read_seconds",
    help: "Chain reads by op (market: the listing; stream, stream_head: the guard's stream cache; watcher_head, watcher_logs: the chain watcher) and outcome (ok, error: the node could not be asked or did not answer).",
    labelNames: ["op", "outcome"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 10], ...reg,
  });
  const lag = new client.Histogram({
    name: "claw_event_loop_lag_seconds", help: "How late a timer fires: time the event loop was blocked.",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], ...reg,
  });
  const lagMax = new client.Gauge({ name: "claw_event_loop_lag_max_seconds", help: "The largest event-loop lag since the last scrape.", ...reg });
  const ws = new client.Gauge({ name: "claw_websocket_connections", help: "Open WebSocket connections.", ...reg });
  try {
    client.collectDefaultMetrics({ register: registry, prefix: "claw_process_" });
  } catch {
    // A runtime without perf_hooks' event-loop monitor (Deno): the claw_ metrics above still work.
  }

  const onEvent = (e: StoredEvent) => {
    if (!JOB_EVENTS.has(e.type)) return;
    appendLatency.observe(Math.max(0, Date.now() - e.time) / 1000);
    if (e.type === "JobStarted") queueWait.observe(e.data.queuedMs / 1000);
    else if (e.type === "JobCompleted" || e.type === "JobFailed") {
      jobs.inc({ outcome: e.type === "JobCompleted" ? "completed" : "failed", code: e.type === "JobFailed" ? e.data.code : "" });
      meteredMs.inc(Number(e.data.meteredMs));
      meteredWei.inc(Number(e.data.cost));
    }
  };
  const unsubscribe = ctx.ownEvents ? ctx.ownEvents(onEvent) : ctx.store.subscribe(onEvent);

  const every = o.lagIntervalMs ?? 500;
  let expected = performance.now() + every;
  let worst = 0;
  const timer = setInterval(() => {
    const late = Math.max(0, performance.now() - expected) / 1000;
    lag.observe(late);
    worst = Math.max(worst, late);
    expected = performance.now() + every;
  }, every);
  (timer as { unref?: () => void }).unref?.();

  return {
    registry,
    async text(): Promise<string> {
      lagMax.set(worst);
      worst = 0;
      return registry.metrics();
    },
    request: (route: string, method: string, status: number) => requests.inc({ route, method, status: String(status) }),
    refusal: (code: string, logged: boolean) => refusals.inc({ code, logged: String(logged) }),
    wsConnections: (delta: number) => ws.inc(delta),
    /** Times `read` as a chain read of kind `op`. */
    async chainRead<T>(read: () => Promise<T>, op = "market"): Promise<T> {
      const end = chainReads.startTimer({ op });
      try {
        const v = await read();
        end({ outcome: "ok" });
        return v;
      } catch (err) {
        end({ outcome: "error" });
        throw err;
      }
    },
    /** A chain read timed elsewhere (runtime/chain's `onRead` hook: stream cache, watcher). */
    observeChainRead: (r: ChainRead) => chainReads.observe({ op: r.op, outcome: r.ok ? "ok" : "error" }, r.seconds),
    close() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
