/**
 * A market selling images and transcriptions: the fake A1111 and OpenAI-audio servers of
 * plugins/testing, and a real runtime on anvil whose offerings (built from those servers' URLs) use
 * them. Backend HTTP options are strict (no retries) so a fake's failure mode reaches the runtime.
 */
import { startFakeDiffusion } from "../../plugins/testing/fake-diffusion.ts";
import type { FakeServer } from "../../plugins/testing/fake-server.ts";
import { startFakeWhisper } from "../../plugins/testing/fake-whisper.ts";
import { startMarket, type Market } from "./market.ts";

type MarketOptions = NonNullable<Parameters<typeof startMarket>[0]>;
export type MediaUrls = { sd: string; stt: string; http: { retries: number; timeoutMs: number; idleTimeoutMs: number } };

/**
 * @example
 * ({ m, sd, stt } = await startMediaMarket((u) => [{ model: "sd", backend: "diffusion", options: { api: "a1111", baseUrl: u.sd, ...u.http }, pricePerSecond: 1n }]));
 */
export async function startMediaMarket(
  offerings: (u: MediaUrls) => NonNullable<MarketOptions["offerings"]>,
  o: Omit<MarketOptions, "offerings"> = {},
): Promise<{ m: Market; sd: FakeServer; stt: FakeServer; close(): Promise<void> }> {
  const sd = await startFakeDiffusion();
  const stt = await startFakeWhisper();
  const m = await startMarket({ ...o, offerings: offerings({ sd: sd.url, stt: stt.url, http: { retries: 0, timeoutMs: 10_000, idleTimeoutMs: 10_000 } }) });
  return {
    m, sd, stt,
    async close() {
      await m.close();
      await sd.close();
      await stt.close();
    },
  };
}
