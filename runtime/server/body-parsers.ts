/**
 * Request bodies are read as raw bytes first: the payment proof signs the exact bytes (keccak256),
 * so they must be hashed before any parsing. JSON is then parsed here (bad JSON -> 400 INVALID_JSON);
 * multipart stays raw for the route, which parses it with the web-standard `Response.formData()`.
 *
 * Multipart is costly to parse (a body of 300,000 empty parts blocked the event loop ~0.9 s), so
 * before a route may parse one it must carry a well-formed, unexpired payment proof, its part count
 * is counted over the raw bytes (a byte search for the boundary) against `multipartMaxParts`, and
 * (when the runtime provides `checkSender`) the proof is verified over those raw bytes as the
 * stream sender's. Anonymous multipart is refused without being parsed.
 */
import { Buffer } from "node:buffer";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ClawError } from "../core/errors.ts";
import { bound } from "./bound.ts";
import type { ServerContext } from "./context.ts";
import { parsePaymentProof } from "./guard/parse-proof.ts";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Uint8Array;
  }
}

/** The boundary named by a multipart content type, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** How many parts a raw multipart body has (delimiter lines counted, the closing one excluded), counting no further than `stopAt`. */
export function countParts(raw: Uint8Array, boundary: string, stopAt: number): number {
  const delimiter = new TextEncoder().encode(`--${boundary}`);
  const bytes = raw as Uint8Array<ArrayBuffer>;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let at = buf.indexOf(delimiter); at !== -1 && count <= stopAt; at = buf.indexOf(delimiter, at + delimiter.length)) count += 1;
  return Math.max(0, count - 1);
}

/** The checks a multipart body passes before anything parses it (the proof is verified in full by the guard later). */
export function checkMultipart(request: FastifyRequest, raw: Uint8Array, maxParts: number, nowMs = Date.now()): void {
  const proof = parsePaymentProof(request.headers, { method: request.method, path: request.url });
  if (proof.deadline < BigInt(Math.floor(nowMs / 1000))) {
    throw new ClawError("DEADLINE_EXPIRED", { message: `The proof's deadline ${proof.deadline} has passed.` });
  }
  const boundary = multipartBoundary(request.headers["content-type"] ?? "");
  if (!boundary) throw new ClawError("BAD_REQUEST", { message: "The multipart content type names no boundary." });
  const parts = countParts(raw, boundary, maxParts + 1);
  if (parts > maxParts) throw new ClawError("VALIDATION_FAILED", { message: `The form has more than ${maxParts} parts.` });
}

export function registerBodyParsers(
  app: FastifyInstance,
  limits: { jsonBytes: number; uploadBytes: number; multipartMaxParts?: number; checkSender?: ServerContext["checkSender"] },
): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ["application/json", "text/plain"],
    { parseAs: "buffer", bodyLimit: limits.jsonBytes },
    (request: FastifyRequest, body: Buffer, done) => {
      request.rawBody = body;
      if (body.length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(body.toString("utf8")));
      } catch (err) {
        // The parser's message quotes the input: bounded like every outside string.
        done(new ClawError("INVALID_JSON", { message: `The request body is not valid JSON: ${bound((err as Error).message, 160)}`, cause: err }), undefined);
      }
    },
  );
  app.addContentTypeParser("multipart/form-data", { parseAs: "buffer", bodyLimit: limits.uploadBytes }, (request: FastifyRequest, body: Buffer, done) => {
    request.rawBody = body;
    try {
      checkMultipart(request, body, limits.multipartMaxParts ?? 16);
    } catch (err) {
      return done(err as Error, undefined);
    }
    if (!limits.checkSender) return done(null, body);
    limits.checkSender(request.headers, body, { method: request.method, path: request.url }).then(() => done(null, body), (err: Error) => done(err, undefined));
  });
}

/** Parses a raw multipart body with the web-standard parser (undici in Node, native in Deno). */
export async function parseMultipart(raw: Uint8Array, contentType: string): Promise<FormData> {
  try {
    return await new Response(raw as Uint8Array<ArrayBuffer>, { headers: { "content-type": contentType } }).formData();
  } catch (cause) {
    throw new ClawError("BAD_REQUEST", { message: "The multipart body cannot be parsed.", cause });
  }
}
