/** In-process fan-out of each job's chunks to WebSocket watchers. Holds nothing once nobody watches. */
import type { ServerContext } from "./context.ts";

export function createJobChunks(): ServerContext["jobChunks"] {
  const watchers = new Map<string, Set<(c: unknown) => void>>();
  return {
    publish(jobId, chunk) {
      const set = watchers.get(jobId);
      if (!set) return;
      const wire = chunk.type === "image" ? { ...chunk, png: `(${chunk.png.length} bytes)` } : chunk;
      for (const fn of set) fn(wire);
    },
    subscribe(jobId, fn) {
      const set = watchers.get(jobId) ?? new Set();
      set.add(fn);
      watchers.set(jobId, set);
      return () => {
        set.delete(fn);
        if (set.size === 0) watchers.delete(jobId);
      };
    },
  };
}
