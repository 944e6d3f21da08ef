// Writes docs/configuration.md from the key table (packages/server/src/config/keys.ts).
// Run through `npm run docs:config`, which builds first.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configurationDoc } from "../packages/server/dist/index.js";

const file = fileURLToPath(new URL("../docs/configuration.md", import.meta.url));
writeFileSync(file, configurationDoc());
console.log(`wrote ${file}`);
