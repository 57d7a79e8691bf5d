/**
 * Requests that Node's HTTP parser refuses never reach a route: headers over the 16 KiB limit,
 * control characters in a header, bytes that are not HTTP, a client too slow to send its headers.
 * Fastify answers those from its `clientErrorHandler`; this one answers them in the runtime's own
 * error format (`{ error: { code, message } }`) and reports each refusal once (with the peer's
 * address) to be counted: they are anonymous, so they never become events. A reset connection is
 * not a request and is not reported.
 */
import { Buffer } from "node:buffer";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { ClawError } from "../core/errors.ts";

/** The ClawError for a connection-level parse error (Node's `clientError` codes). */
export function clientErrorFor(err: { code?: string; message?: string }): ClawError {
  if (err.code === "HPE_HEADER_OVERFLOW") {
    return new ClawError("HEADERS_TOO_LARGE", { message: "The request headers are larger than the server accepts (16 KiB)." });
  }
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return new ClawError("REQUEST_TIMEOUT", { message: "The request headers and body did not arrive in time (server.timeouts)." });
  }
  return new ClawError("BAD_REQUEST", { message: `The request is not valid HTTP (${err.code ?? "parse error"}).` });
}

/**
 * Fastify's `clientErrorHandler` option.
 *
 * @example
 * Fastify({ clientErrorHandler: clientErrorHandler((error, ip) => refusals.anonymous(error, ip)) });
 */
export function clientErrorHandler(onRefused: (error: ClawError, ip: string | undefined) => void) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const error = clientErrorFor(err);
    // A request whose headers were parsed is already in a route, which reports its own failure
    // (e.g. a body cut short): reporting it here too would count one refusal twice.
    if (!(socket as Socket & { _httpMessage?: unknown })._httpMessage) onRefused(error, socket.remoteAddress);
    if (socket.writable) {
      const body = JSON.stringify(error.toJSON());
      socket.write(
        `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
