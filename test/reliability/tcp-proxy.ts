/**
 * A TCP proxy between the runtime and the chain node, to play a node that hangs: in "hang" mode it
 * accepts connections and reads requests but never answers (no reset, no close) — what a frozen or
 * overloaded node looks like to a client, unlike a stopped one, which refuses connections at once.
 */
import { connect, createServer, type Socket } from "node:net";

export type TcpProxy = { url: string; setMode(mode: "pass" | "hang"): void; close(): Promise<void> };

/**
 * @example
 * const proxy = await startTcpProxy(anvil.port); proxy.setMode("hang"); ... proxy.setMode("pass");
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: "pass" | "hang" = "pass";
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (mode === "hang") {
      client.resume(); // read and drop: the request is "received", the answer never comes
      return;
    }
    const upstream = connect({ host: "127.0.0.1", port: targetPort });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    setMode(m) {
      mode = m;
      // Open keep-alive connections would otherwise keep answering: cut them so the new mode applies.
      if (m === "hang") for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
