/** The load generator process: reads a plan file, runs autocannon, prints one JSON result line. */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import type { LoadPlan, LoadResult } from "./load.ts";

const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadPlan;
let i = 0;
const result = await autocannon({
  url: plan.url,
  connections: plan.connections,
  pipelining: 1,
  amount: plan.amount,
  requests: [
    {
      setupRequest: (req: Record<string, unknown>) => {
        const r = plan.requests[i++ % plan.requests.length]!;
        return { ...req, method: r.method, path: r.path, body: r.body, headers: { ...(r.headers ?? {}), "content-type": "application/json" } };
      },
    },
  ],
} as unknown as autocannon.Options);
const out: LoadResult = {
  p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, mean: result.latency.mean,
  rps: result.requests.total / Math.max(result.duration, 0.001), requests: result.requests.total, errors: result.errors, non2xx: result.non2xx,
};
console.log(JSON.stringify(out));
