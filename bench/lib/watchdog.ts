/**
 * A benchmark always ends: if it is still running after `ms`, it prints the phase it was in and
 * exits 1 (its forked servers and load generators exit when their IPC channel closes, child.ts).
 * A hung run used to keep its children loading the machine for the rest of a CI run.
 *
 * @example
 * const dog = watchdog(quick ? 120_000 : 1_800_000, "bench:runtime");
 * dog.phase("warm-up"); ... dog.done();
 */
export function watchdog(ms: number, name: string): { phase(what: string): void; done(): void } {
  let current = "start";
  const started = performance.now();
  const timer = setTimeout(() => {
    console.error(`${name}: gave up after ${Math.round((performance.now() - started) / 1000)} s, still in phase "${current}"`);
    process.exit(1);
  }, ms);
  timer.unref();
  return { phase: (what) => void (current = what), done: () => clearTimeout(timer) };
}
