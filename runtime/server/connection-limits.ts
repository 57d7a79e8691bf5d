/**
 * Caps on open TCP connections: `maxConnections` in all (Node drops the ones beyond) and
 * `maxConnectionsPerIp` from one address (destroyed at once: held-open sockets from one client
 * cannot exhaust the runtime's file descriptors).
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

export function limitConnections(server: Server, o: { maxConnections: number; maxConnectionsPerIp: number }): { open(ip: string): number } {
  server.maxConnections = o.maxConnections;
  const perIp = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const ip = socket.remoteAddress ?? "unknown";
    const n = (perIp.get(ip) ?? 0) + 1;
    if (n > o.maxConnectionsPerIp) {
      socket.destroy();
      return;
    }
    perIp.set(ip, n);
    socket.once("close", () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
  });
  return { open: (ip) => perIp.get(ip) ?? 0 };
}
