/**
 * Whether a process with this pid exists on this machine (Node/Deno `process.kill(pid, 0)`): one that
 * belongs to another user counts (EPERM), and so does a pid taken by another process since. Used to
 * tell a holder that died (its lock, leader row or temporary files may be taken over) from a live one.
 *
 * @example
 * processAlive(process.pid) // true
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
