/**
 * A health probe of a registry-supplied URL that cannot be turned against the provider's own network.
 * Anyone can register any endpoint; a public route that fetched it blindly would be a port scanner
 * and request forger for whatever the runtime's machine can reach. So: the host name is resolved
 * first and every address it resolves to must be public (no loopback, private, link-local,
 * carrier-grade NAT, metadata or reserved ranges); the request then goes to that checked address
 * (a second resolution cannot rebind it), GET /health only, no redirects followed, a short timeout.
 * `allowLoopback` is for `claw dev`, whose providers all live on 127.0.0.1.
 */
import { lookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP } from "node:net";

const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  // IPv4-mapped addresses (::ffff:a.b.c.d) are checked against the IPv4 ranges by BlockList itself.
  ["::", 128], ["::1", 128], ["64:ff9b::", 96], ["100::", 64], ["2001:db8::", 32], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8],
] as const) blocked.addSubnet(net, bits, "ipv6");

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** Whether `ip` is an address on the public internet (loopback too when `allowLoopback`). */
export function isPublicAddress(ip: string, allowLoopback = false): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (allowLoopback && loopback.check(ip, type)) return true;
  return !blocked.check(ip, type);
}

export type ProbeResult = { ok: boolean; latencyMs: number; detail?: string };

/**
 * @example
 * const health = await probePublicHealth("https://provider.example", { timeoutMs: 1500 });
 */
export async function probePublicHealth(endpoint: string, o: { timeoutMs: number; allowLoopback?: boolean }): Promise<ProbeResult> {
  const started = performance.now();
  const done = (ok: boolean, detail?: string): ProbeResult => ({ ok, latencyMs: Math.round((performance.now() - started) * 10) / 10, ...(detail ? { detail } : {}) });
  let url: URL;
  try {
    url = new URL(endpoint.replace(/\/+$/, "") + "/health");
  } catch {
    return done(false, "not probed: the registered endpoint is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return done(false, "not probed: only http and https endpoints are probed");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  } catch {
    return done(false, "not probed: the endpoint's host name does not resolve");
  }
  if (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address, o.allowLoopback))) {
    return done(false, "not probed: the endpoint resolves to a loopback, private or reserved address");
  }
  const target = addresses[0]!;
  return new Promise<ProbeResult>((resolve) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send({
      host: target.address, family: target.family, port: url.port || (url.protocol === "https:" ? 443 : 80), method: "GET",
      path: url.pathname + url.search, headers: { host: url.host, "user-agent": "clawcompute-market-probe" },
      ...(url.protocol === "https:" && !isIP(host) ? { servername: host } : {}),
      timeout: o.timeoutMs,
    }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      req.destroy();
      // A redirect is an answer, not a hop to follow.
      resolve(status >= 200 && status < 300 ? done(true) : done(false, `HTTP ${status}`));
    });
    req.on("timeout", () => req.destroy(new Error("no answer in time")));
    req.on("error", (err) => resolve(done(false, err.message.slice(0, 120))));
    req.end();
  });
}
