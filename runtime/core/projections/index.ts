/**
 * All projections in one fold: streams, jobs, earnings, providers, rejections. `evolveProjections`
 * is deterministic and does no I/O; for speed it updates the maps inside the state it is given
 * (use `initialProjections()` for each fold; never share one state between folds).
 */
import type { StoredEvent } from "../events.ts";
import { emptyEarnings, evolveEarnings, type Earnings } from "./earnings.ts";
import { evolveJobs, type JobView } from "./jobs.ts";
import { evolveProviders, type ProviderView } from "./providers.ts";
import { evolveStreams, type StreamView } from "./streams.ts";

export interface Projections {
  /** Position of the last event folded in (0 = none). */
  position: number;
  events: number;
  streams: Map<bigint, StreamView>;
  jobs: Map<string, JobView>;
  earnings: Earnings;
  providers: Map<bigint, ProviderView>;
  /** Refused requests per reason code. */
  rejections: Map<string, number>;
}

/** A fresh, empty state. */
export const initialProjections = (): Projections => ({
  position: 0, events: 0, streams: new Map(), jobs: new Map(), earnings: emptyEarnings(), providers: new Map(), rejections: new Map(),
});

/**
 * @example
 * const p = store.replay(evolveProjections, initialProjections());
 * p.streams.get(7n)?.metered // wei metered on stream 7
 */
export function evolveProjections(p: Projections, e: StoredEvent): Projections {
  p.position = e.position;
  p.events += 1;
  evolveStreams(p.streams, e);
  evolveJobs(p.jobs, e);
  evolveEarnings(p.earnings, e);
  evolveProviders(p.providers, e);
  if (e.type === "JobRejected") p.rejections.set(e.data.code, (p.rejections.get(e.data.code) ?? 0) + 1);
  return p;
}

export type { StreamView } from "./streams.ts";
export type { JobView, JobStatus } from "./jobs.ts";
export type { Earnings, EarningsBucket, DayBucket } from "./earnings.ts";
export type { ProviderView } from "./providers.ts";
export { evolveStream, evolveStreams, emptyStream } from "./streams.ts";
export { evolveJob, evolveJobs } from "./jobs.ts";
export { evolveEarnings, emptyEarnings, utcDay } from "./earnings.ts";
export { evolveProviders } from "./providers.ts";
