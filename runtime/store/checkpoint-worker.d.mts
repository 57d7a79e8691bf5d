/** Types for ./checkpoint-worker.mjs (plain JavaScript, so that a worker thread loads it without tsx). */
export declare function walIndexFrames(header: Buffer): { frames: number; backfilled: number } | undefined;
