/**
 * One HTTP request with exactly the headers given (Host, Origin and a preflight's included), as a
 * browser or a rebinding page sends them — fetch would set or refuse some of them itself.
 */
import { request } from "node:http";

export type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * @example
 * const r = await rawRequest(`${url}/v1/models`, { headers: { origin: "https://evil.example" } });
 */
export function rawRequest(url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? "GET", headers: o.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(o.body);
  });
}
