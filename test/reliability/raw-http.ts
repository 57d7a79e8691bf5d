/**
 * HTTP requests written byte by byte on a TCP socket, for what fetch refuses to send: headers over
 * Node's 16 KiB limit, control characters in a header, a request line that is not HTTP. The answer
 * is read until the server closes the connection (or a complete response arrives).
 */
import { connect } from "node:net";

export type RawResponse = { status: number; body: string; closed: boolean };

/**
 * @example
 * const r = await rawRequest("http://127.0.0.1:8787", Buffer.from("GARBAGE\r\n\r\n"));
 * r.status // 400
 */
export function rawRequest(url: string, bytes: Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const parts: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(parts).toString("utf8");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!m) return reject(new Error(`raw request: no HTTP status in ${JSON.stringify(text.slice(0, 200))}`));
      const split = text.indexOf("\r\n\r\n");
      resolve({ status: Number(m[1]), body: split >= 0 ? text.slice(split + 4) : "", closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("data", (b: Buffer) => {
      parts.push(b);
      // A complete response with a content-length: no need to wait for the close.
      const text = Buffer.concat(parts).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      if (split >= 0 && len && Buffer.byteLength(text.slice(split + 4)) >= Number(len[1])) finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", (err) => {
      if (parts.length > 0) finish(true);
      else if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.write(bytes);
  });
}

/** A POST whose request bytes are assembled by hand (header values are written as given). */
export function rawPost(path: string, host: string, headers: Array<[string, string]>, body: string): Buffer {
  const head = [`POST ${path} HTTP/1.1`, `host: ${host}`, "content-type: application/json", `content-length: ${Buffer.byteLength(body)}`, "connection: close"];
  for (const [k, v] of headers) head.push(`${k}: ${v}`);
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), Buffer.from(body)]);
}
