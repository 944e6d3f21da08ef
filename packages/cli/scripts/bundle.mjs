// Bundles the built CLI (dist/main.js, compiled by `tsc --build` first) and every @warden
// package it imports into dist/bundle: a server process then loads about a dozen files instead
// of some 290 (an empty standalone server served 150-200 ms sooner: 440-490 -> 276-308 ms).
// Third-party packages stay imports, resolved from node_modules as they are for dist. The
// shell, client and recipes the CLI imports lazily stay chunks of their own, loaded when their
// commands run. bin/warden runs the bundle when it is newer than every package's compiled
// output, and dist/main.js otherwise (after a `tsc --build` alone).
// Run by `npm run build` (and so by `npm test`).
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(pkg, "dist", "bundle");
const ours = (id) => id.startsWith(".") || id.startsWith("/") || id.startsWith("@warden/");

rmSync(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: join(pkg, "dist", "main.js"),
  platform: "node",
  external: (id) => !ours(id),
  logLevel: "warn",
});
await bundle.write({ dir: out, format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" });
await bundle.close();
