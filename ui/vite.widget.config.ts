/**
 * The visitor chat widget (widget/), built apart from the web app: one IIFE file,
 * dist/widget/hotline-chat.js, with its CSS inside as a string, for any site to load with a
 * <script> tag; and widget/public/h5.html copied beside it. Runs after the app's build, so it
 * must not empty dist/.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const widget = (path: string) => fileURLToPath(new URL(`./widget/${path}`, import.meta.url));

export default defineConfig({
  publicDir: widget("public"),
  // Escape non-ASCII (Chinese strings, emoji): a host page in GBK or Big5 would otherwise
  // decode the script in its own charset and garble them.
  esbuild: { charset: "ascii" },
  build: {
    outDir: fileURLToPath(new URL("./dist/widget", import.meta.url)),
    emptyOutDir: false,
    lib: {
      entry: widget("src/main.ts"),
      formats: ["iife"],
      // Vite requires a name for an IIFE; the entry exports nothing, so no global is made.
      name: "HotlineChatWidget",
      fileName: () => "hotline-chat.js",
    },
  },
});
