/**
 * The line on stderr while the CLI waits for the chain or a provider. On a terminal it is one
 * spinner line rewritten in place (cleared before anything is printed on stdout); elsewhere (pipes,
 * CI, agents) each new message is printed once, so logs stay readable. `--quiet` silences it.
 */
import type { ProgressEvent } from "../../client/types.ts";

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export type Progress = {
  /** Shows a message (an SDK progress event or plain text). */
  update(event: ProgressEvent | string): void;
  /** Clears the spinner line (before writing to stdout). */
  pause(): void;
  /** Prints a final line on stderr (cost, refund...), clearing the spinner first. */
  note(line: string): void;
  stop(): void;
};

/**
 * @example
 * const progress = createProgress({ quiet: opts.quiet });
 * progress.update("opening a stream");
 */
export function createProgress(o: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const out = o.stream ?? process.stderr;
  const tty = out.isTTY === true;
  let message = "";
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let shown = false;

  const draw = () => {
    out.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${message}`);
    shown = true;
  };
  const clear = () => {
    if (tty && shown) out.write("\r\x1b[2K");
    shown = false;
  };

  return {
    update(event) {
      const text = typeof event === "string" ? event : event.message;
      if (o.quiet || text === message) return;
      message = text;
      if (!tty) {
        out.write(`… ${text}\n`);
        return;
      }
      draw();
      timer ??= setInterval(draw, 100);
      timer.unref?.();
    },
    pause() {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
    },
    note(line) {
      this.pause();
      out.write(line + "\n");
    },
    stop() {
      this.pause();
      message = "";
    },
  };
}
