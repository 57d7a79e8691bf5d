/**
 * Leader roles among the instances sharing a log: one settler, one chain watcher. An instance that
 * does not hold a role asks for it every `retryMs`, so when the holder dies (its database session
 * ends and with it the advisory lock) another instance takes over within one retry. The holder
 * checks `held()` before each leader-only act; `onGain`/`onLose` start and stop the role's loop.
 * On a SQLite log the only runtime holds every role from the first attempt.
 */
import { clearInterval, setInterval } from "node:timers";
import type { LeaderLease } from "../store/async-types.ts";

export type Role = {
  readonly name: string;
  /** Whether this instance leads now. */
  held(): boolean;
  /** Asks for the role now (also done every retryMs); resolves with whether it is held. */
  attempt(): Promise<boolean>;
  start(): void;
  /** Stops asking and releases the role. */
  stop(): Promise<void>;
};

/**
 * @example
 * const settler = createRole(port, "settler", { retryMs: 1000, onGain: () => log.info("settling"), onError });
 * if (settler.held()) settle();
 */
export function createRole(
  store: { tryLead(name: string): Promise<LeaderLease | null> },
  name: string,
  o: { retryMs: number; onGain?: () => void; onLose?: () => void; onError?: (err: unknown) => void },
): Role {
  let lease: LeaderLease | null = null;
  let asking: Promise<boolean> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function ask(): Promise<boolean> {
    if (lease?.held()) return true;
    let got: LeaderLease | null;
    try {
      got = await store.tryLead(name);
    } catch (err) {
      o.onError?.(err);
      return false;
    }
    if (!got) return false;
    if (stopped) {
      await got.release();
      return false;
    }
    const mine = got;
    lease = mine;
    void mine.lost.then(() => {
      if (lease !== mine) return;
      lease = null;
      o.onLose?.();
    });
    o.onGain?.();
    return true;
  }

  return {
    name,
    held: () => lease?.held() ?? false,
    attempt() {
      if (stopped) return Promise.resolve(false);
      asking ??= ask().finally(() => (asking = undefined));
      return asking;
    },
    start() {
      if (timer || stopped) return;
      timer = setInterval(() => void this.attempt(), o.retryMs);
      timer.unref();
      void this.attempt();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await asking?.catch(() => undefined);
      const mine = lease;
      lease = null;
      if (mine) {
        o.onLose?.();
        await mine.release();
      }
    },
  };
}
