export * from "./config/index.js";
export { startServer, CONSENSUS_TICK_MS, type WardenServer, type ServerOptions } from "./server.js";
export { startLocalEnsemble, stopLocalEnsemble, ensembleStatus, readEnsemble, freePort, serverMode, type LocalEnsemble, type LocalServer, type StartOptions } from "./local-ensemble.js";
export { commandJson, commandText, COMMAND_NAMES, VERSION_LINE } from "./admin/commands.js";
export { MetricsRegistry } from "./admin/metrics.js";
