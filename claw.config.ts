/**
 * The operator's one file. `npm start` runs these offerings on a local chain; `claw start` runs them
 * against the chain below. Secrets never go here: keys come from the environment variables named.
 * Every field is documented in the README ("Configuration"); defaults come from config/schema.ts.
 */
import { defineConfig } from "./config/index.ts";

export default defineConfig({
  chain: { preset: "local" }, // "bsc-testnet" (97), "bsc" (56), "opbnb-testnet", "opbnb", or { rpcUrl, chainId, contracts }
  wallet: { privateKeyEnv: "PRIVATE_KEY" },
  server: { host: "127.0.0.1", port: 8787 }, // publicUrl: "https://my-provider.example" is what goes on chain
  store: { path: ".claw/events.db", durability: "normal" }, // "full" also survives a power cut (fsync per commit)
  settlement: { idleSeconds: 10, minJobMs: 1000 },
  offerings: [
    // Deterministic local test backend: no server, no key. It is not a model; remove it in production.
    { model: "echo-1", backend: "echo", options: { tokensPerSecond: 20 }, pricePerSecond: 1_000_000_000_000n, concurrency: 8 },
    // Instant echo, for quick checks and benchmarks.
    { model: "echo-fast", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: 500_000_000_000n, concurrency: 64 },

    // Groq cloud: needs GROQ_API_KEY in the environment.
    // { model: "llama-3.1-8b-instant", backend: "groq", options: { apiKeyEnv: "GROQ_API_KEY" }, pricePerSecond: 5_000_000_000_000n },

    // Ollama on this machine: needs `ollama serve` and `ollama pull llama3.2`.
    // { model: "llama3.2", backend: "ollama", options: { baseUrl: "http://127.0.0.1:11434", keepAlive: "10m" }, pricePerSecond: 2_000_000_000_000n },

    // text-generation-inference: needs a TGI server.
    // { model: "HuggingFaceTB/SmolLM2-360M-Instruct", backend: "tgi", options: { baseUrl: "http://127.0.0.1:8080" }, pricePerSecond: 2_000_000_000_000n },

    // vLLM / llama.cpp server / LM Studio (OpenAI-compatible); set apiKeyEnv only if it wants a key (e.g. VLLM_API_KEY).
    // { model: "Qwen/Qwen2.5-0.5B-Instruct", backend: "openai", options: { baseUrl: "http://127.0.0.1:8000/v1" }, pricePerSecond: 2_000_000_000_000n },

    // Text to image, AUTOMATIC1111 / Forge started with --api (service type 1).
    // { model: "v1-5-pruned-emaonly", backend: "diffusion", options: { api: "a1111", baseUrl: "http://127.0.0.1:7860" }, pricePerSecond: 10_000_000_000_000n },

    // Text to image, OpenAI images API: needs OPENAI_API_KEY.
    // { model: "dall-e-2", backend: "diffusion", options: { api: "openai", apiKeyEnv: "OPENAI_API_KEY" }, pricePerSecond: 20_000_000_000_000n },

    // Speech to text, whisper.cpp server (service type 2).
    // { model: "ggml-base.en", backend: "whisper", options: { api: "whispercpp", baseUrl: "http://127.0.0.1:8080", model: "ggml-base.en" }, pricePerSecond: 3_000_000_000_000n },

    // Speech to text, Groq's Whisper (OpenAI-compatible): needs GROQ_API_KEY.
    // { model: "whisper-large-v3-turbo", backend: "whisper", options: { baseUrl: "https://api.groq.com/openai/v1", apiKeyEnv: "GROQ_API_KEY" }, pricePerSecond: 3_000_000_000_000n },
  ],
});
