/**
 * Request bodies are read as raw bytes first: the payment proof signs the exact bytes (keccak256),
 * so they must be hashed before any parsing. JSON is then parsed here (bad JSON -> 400 INVALID_JSON);
 * multipart stays raw for the route, which parses it with the web-standard `Response.formData()`.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ClawError } from "../core/errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Uint8Array;
  }
}

export function registerBodyParsers(app: FastifyInstance, limits: { jsonBytes: number; uploadBytes: number }): void {
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
        done(new ClawError("INVALID_JSON", { message: `The request body is not valid JSON: ${(err as Error).message}`, cause: err }), undefined);
      }
    },
  );
  app.addContentTypeParser("multipart/form-data", { parseAs: "buffer", bodyLimit: limits.uploadBytes }, (request: FastifyRequest, body: Buffer, done) => {
    request.rawBody = body;
    done(null, body);
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
