// Builds the console's static files into dist/www: the browser bundle of dist/ui/main.js
// (compiled by `tsc --build` first) with rolldown, the page, its styles and uPlot's.
// Run by `npm run build` (and so by `npm test`); the admin port serves dist/www at /console/.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(pkg, "dist", "www");
const require = createRequire(join(pkg, "package.json"));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const refused = [];
const bundle = await rolldown({
  input: join(pkg, "dist", "ui", "main.js"),
  platform: "browser",
  resolve: { conditionNames: ["browser", "import", "default"] },
  plugins: [
    {
      name: "refuse-node",
      resolveId(id) {
        if (id.startsWith("node:") || id === "ws") refused.push(id);
        return null;
      },
    },
    {
      // cbor-x's default build probes `Function("")` at load to compile fast readers; the page's
      // CSP (script-src 'self', no 'unsafe-eval') blocks it, and Firefox reports a violation on
      // every load. Its no-eval build decodes the same without the probe.
      name: "cbor-x-no-eval",
      resolveId(id) {
        return id === "cbor-x" ? require.resolve("cbor-x/index-no-eval") : null;
      },
    },
  ],
  logLevel: "warn",
});
await bundle.write({ file: join(out, "app.js"), format: "esm", minify: true, sourcemap: true });
await bundle.close();
if (refused.length) throw new Error(`the console bundle reached Node modules: ${refused.join(", ")}`);
copyFileSync(join(pkg, "www", "index.html"), join(out, "index.html"));
copyFileSync(join(pkg, "www", "console.css"), join(out, "console.css"));
copyFileSync(require.resolve("uplot/dist/uPlot.min.css"), join(out, "uPlot.min.css"));
console.log(`console: built ${out}`);
