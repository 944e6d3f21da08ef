// A tiny launcher for compatibility tests: runs one Warden server from the built packages
// (npx tsc -b), so tests can SIGKILL it as a separate process without depending on the CLI.
// Usage: node launch-server.mjs server --config <zoo.cfg>   (the argv shape of `warden server`)
import { loadConfig, startServer } from "../../packages/server/dist/index.js";

const i = process.argv.indexOf("--config");
if (i < 0 || !process.argv[i + 1]) {
  console.error("usage: launch-server.mjs server --config <zoo.cfg>");
  process.exit(2);
}
const server = await startServer(loadConfig(process.argv[i + 1]));
const stop = () =>
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
