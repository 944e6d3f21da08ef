import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));
const names = ["protocol", "tree", "consensus", "storage", "testing", "server", "client", "recipes", "console", "cli"];

export default defineConfig({
  resolve: {
    // Tests run against the sources; child processes run the built dist.
    alias: Object.fromEntries(names.map((n) => [`@warden/${n}`, pkg(n)])),
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
