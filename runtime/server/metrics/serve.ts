/**
 * GET /metrics on its own listener (config `metrics.host`/`port`, loopback by default), so the
 * public port never shows operational detail. Anything else there is a 404.
 */
import { createServer, type Server } from "node:http";
import type { Metrics } from "./metrics.ts";

export type MetricsServer = { url: string; close(): Promise<void> };

/**
 * @example
 * const server = await serveMetrics(metrics, { host: "127.0.0.1", port: 9464 });
 * console.log(`${server.url}/metrics`);
 */
export function serveMetrics(metrics: Metrics, o: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("GET /metrics\n");
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed\n"),
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      const a = server.address();
      const port = typeof a === "object" && a ? a.port : o.port;
      const host = o.host.includes(":") ? `[${o.host}]` : o.host;
      resolve({
        url: `http://${host}:${port}`,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
