/** Bits both image APIs share: job size, base64 PNG decoding with the checks that make it safe. */
import { bytesFromBase64, isPng } from "../lib/base64.ts";
import { malformed } from "../lib/errors.ts";
import type { ImageJob } from "../types.ts";

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Width and height from the job (`width`/`height` win over `size` "WxH"); undefined = backend default. */
export function imageSize(job: ImageJob): { width: number; height: number } | undefined {
  const [w, h] = (job.size ?? "").split("x").map((v) => Number.parseInt(v, 10));
  const width = job.width ?? w;
  const height = job.height ?? h;
  return width && height && Number.isFinite(width) && Number.isFinite(height) ? { width, height } : undefined;
}

/** PNG bytes from a base64 image of the answer; anything else is a malformed answer. */
export function decodePng(b64: unknown, index: number): Uint8Array {
  if (typeof b64 !== "string") throw malformed("diffusion", `image ${index} is not a base64 string`);
  let bytes: Uint8Array;
  try {
    bytes = bytesFromBase64(b64);
  } catch (err) {
    throw malformed("diffusion", `image ${index} is not valid base64`, err);
  }
  if (!isPng(bytes)) throw malformed("diffusion", `image ${index} is not a PNG`);
  return bytes;
}
