/**
 * Which browser pages may use the routes a page could abuse (the WebSocket, the dev routes). A request
 * without an Origin header is not from a page (curl, the SDK, an agent) and is judged by its proof or
 * needs none; one with an Origin must come from this runtime's own origin (the Host it was sent to,
 * or its public URL) or one the operator configured in `server.allowedOrigins`.
 */

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * originAllowed(req.headers.origin, req.headers.host, { allowed: ["https://app.example"], publicUrl: ctx.publicUrl });
 */
export function originAllowed(origin: string | undefined, host: string | undefined, o: { allowed: readonly string[]; publicUrl?: string }): boolean {
  if (origin === undefined) return true;
  const own = originOf(origin);
  if (own === undefined || own === "null") return false;
  if (host !== undefined && new URL(own).host === host.toLowerCase()) return true;
  if (o.publicUrl && originOf(o.publicUrl) === own) return true;
  return o.allowed.some((a) => originOf(a) === own);
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Whether the Host header names this machine's loopback (a DNS-rebinding page sends its own name). */
export function isLocalHost(host: string | undefined): boolean {
  if (!host) return false;
  try {
    return LOCAL_HOSTS.has(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}
