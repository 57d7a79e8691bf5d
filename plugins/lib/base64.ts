/** Base64 image payloads (A1111, OpenAI images) to bytes, with web-standard atob only. */

const pngMagic = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * Bytes from base64 (a `data:...;base64,` prefix is dropped); throws on invalid base64.
 *
 * @example bytesFromBase64("iVBORw0KGgo=").length // 8
 */
export function bytesFromBase64(b64: string): Uint8Array {
  const clean = b64.replace(/^data:[^,]*,/, "").replace(/\s+/g, "");
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * True when the bytes start with the PNG signature.
 *
 * @example isPng(bytesFromBase64(b64)) // true
 */
export function isPng(bytes: Uint8Array): boolean {
  return pngMagic.every((b, i) => bytes[i] === b);
}
