/**
 * Builds the dashboard into dist/, which the runtime serves at `/` (runtime/server/routes/dashboard.ts).
 * `npm run dev` serves it with hot reload and forwards the API and the WebSocket to a running runtime
 * (CLAW_RUNTIME_URL, default http://127.0.0.1:8787).
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const runtime = process.env.CLAW_RUNTIME_URL ?? "http://127.0.0.1:8787";
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  plugins: [react()],
  // The page reuses the runtime's own protocol code (payment proofs, SSE parsing, stream sizing) from
  // ../runtime; dedupe makes those files use this package's copies of their dependencies. No Node
  // shims: the consumer SDK runs on web standards only.
  resolve: { dedupe: ["viem", "eventsource-parser", "react", "react-dom"] },
  server: {
    fs: { allow: [repoRoot] },
    proxy: { "/v1": { target: runtime, ws: true }, "/health": runtime },
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false, chunkSizeWarningLimit: 1200 },
});
