/// <reference types="vitest" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// During development `npm run dev` proxies the API to a running `assay serve`
// (ASSAY_URL, default http://127.0.0.1:6006).
const target = process.env.ASSAY_URL || "http://127.0.0.1:6006";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    // One JS chunk and one CSS file with hashed names: easy to embed.
    rollupOptions: { output: { manualChunks: undefined } },
  },
  server: {
    proxy: {
      "/v1": { target, changeOrigin: false },
      "/healthz": target,
      "/arize_phoenix_version": target,
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
