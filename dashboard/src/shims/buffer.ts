/**
 * The SDK's paid-requests.ts imports `Buffer` from node:buffer for one thing: decoding the base64
 * images of /v1/images/generations. In the browser that one use is served by atob.
 */
export const Buffer = {
  from(text: string, encoding: "base64"): Uint8Array {
    if (encoding !== "base64") throw new Error(`buffer shim: only base64 is supported, not ${encoding}`);
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  },
};
