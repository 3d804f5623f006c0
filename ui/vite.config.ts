/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Rust server (`cargo run -- serve`) answers the API; the dev server proxies to it.
const api = "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/graphql": { target: api, ws: true },
      "/api": api,
      "/chat": { target: api, ws: true },
      "/health": api,
      "/ready": api,
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // React changes less often than our code: its own file stays cached across releases.
        manualChunks: (id) => (/node_modules\/(react|react-dom|scheduler)\//.test(id) ? "react" : undefined),
      },
    },
  },
  test: {
    environment: "jsdom",
    // e2e/ runs under node's test runner against the real server (npm run e2e).
    include: ["src/**/*.test.{ts,tsx}", "widget/**/*.test.ts"],
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    // The machine is shared with Rust builds: give slow component tests room.
    testTimeout: 30_000,
  },
});
