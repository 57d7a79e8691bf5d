/**
 * The SDK reads response bodies with `for await (const chunk of body)`. Chromium and Firefox support
 * async iteration of a ReadableStream; Safari does not yet, so it gets this small equivalent.
 */
const proto = ReadableStream.prototype as unknown as Record<symbol, unknown>;
if (!proto[Symbol.asyncIterator]) {
  proto[Symbol.asyncIterator] = async function* (this: ReadableStream<unknown>) {
    const reader = this.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  };
}
export {};
