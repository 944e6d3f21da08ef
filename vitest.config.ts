import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const names = ["protocol", "tree", "consensus", "storage", "testing", "server", "client", "recipes", "console", "cli"];

// Every entry point of a package's `exports` ("." -> src/index.ts, "./internal" -> src/internal.ts,
// "./node" -> src/node.ts), matched exactly so that "@warden/server" does not swallow
// "@warden/server/internal" as a prefix.
function aliases(name: string): Array<{ find: RegExp; replacement: string }> {
  const dir = new URL(`./packages/${name}/`, import.meta.url);
  const exports = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")).exports as Record<string, unknown>;
  return Object.keys(exports)
    .filter((subpath) => subpath === "." || !subpath.endsWith(".json"))
    .map((subpath) => {
      const entry = subpath === "." ? "index" : subpath.slice(2);
      const specifier = subpath === "." ? `@warden/${name}` : `@warden/${name}/${entry}`;
      return { find: new RegExp(`^${specifier.replace(/[/.]/g, "\\$&")}$`), replacement: fileURLToPath(new URL(`src/${entry}.ts`, dir)) };
    });
}

export default defineConfig({
  resolve: {
    // Tests run against the sources; child processes run the built dist.
    alias: names.flatMap(aliases),
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
