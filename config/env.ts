/**
 * The seed's environment variables keep working, so a one-offering provider deployed as a plain web
 * service (the seed ran on Render) needs no config edits. Applied on top of claw.config.ts:
 *
 * | variable          | effect                                                             |
 * |-------------------|--------------------------------------------------------------------|
 * | PRIVATE_KEY       | the provider wallet (read via wallet.privateKeyEnv, default name)  |
 * | BSC_TESTNET_RPC   | chain = bsc-testnet (97) with this RPC URL                         |
 * | CLAW_RPC_URL      | RPC URL for whatever chain is configured                           |
 * | MODEL_NAME        | one offering of this model (backend groq when GROQ_API_KEY is set, |
 * |                   | else the first configured offering's backend)                      |
 * | PRICE_PER_SECOND  | that offering's price in wei per second                            |
 * | GROQ_API_KEY      | read by the groq plugin                                            |
 * | PORT              | server.port (and host 0.0.0.0, as a web service needs)             |
 * | ENDPOINT_URL      | server.publicUrl (a trailing /inference, as the seed used, is cut) |
 * | CLAW_STORE_URL    | store.url: the PostgreSQL database of the event log (scale-out)    |
 */
import type { ClawConfigInput } from "./schema.ts";

type Env = Record<string, string | undefined>;

export function applyEnvOverrides(input: ClawConfigInput, env: Env): ClawConfigInput {
  const out: ClawConfigInput = { ...input, chain: { ...input.chain }, server: { ...input.server } };
  if (env.BSC_TESTNET_RPC) out.chain = { ...out.chain, preset: "bsc-testnet", rpcUrl: env.BSC_TESTNET_RPC };
  if (env.CLAW_RPC_URL) out.chain = { ...out.chain, rpcUrl: env.CLAW_RPC_URL };
  if (env.PORT) out.server = { ...out.server, port: Number(env.PORT), host: out.server?.host ?? "0.0.0.0" };
  if (env.CLAW_STORE_URL) out.store = { ...input.store, url: env.CLAW_STORE_URL };
  if (env.ENDPOINT_URL) out.server = { ...out.server, publicUrl: env.ENDPOINT_URL.replace(/\/inference\/?$/, "") };
  if (env.MODEL_NAME) {
    const first = input.offerings?.[0];
    const useGroq = Boolean(env.GROQ_API_KEY);
    out.offerings = [
      {
        ...(first ?? {}),
        model: env.MODEL_NAME,
        backend: useGroq ? "groq" : (first?.backend ?? "echo"),
        options: useGroq ? { apiKeyEnv: "GROQ_API_KEY" } : (first?.options ?? {}),
        pricePerSecond: env.PRICE_PER_SECOND ?? first?.pricePerSecond ?? "1000000000000",
      },
    ];
  } else if (env.PRICE_PER_SECOND && input.offerings?.length === 1 && input.offerings[0]) {
    out.offerings = [{ ...input.offerings[0], pricePerSecond: env.PRICE_PER_SECOND }];
  }
  return out;
}
