export * from "./config/index.js";
export { startServer, storageOptions, CONSENSUS_TICK_MS, type WardenServer, type ServerOptions, type ServerStateCounts } from "./server.js";
export {
  startLocalEnsemble,
  stopLocalEnsemble,
  ensembleStatus,
  readEnsemble,
  freePort,
  serverMode,
  superuserCredentials,
  type LocalEnsemble,
  type LocalServer,
  type StartOptions,
} from "./local-ensemble.js";
export {
  startJoiningServer,
  recordServer,
  stopLocalServer,
  updateConsoleOrigins,
  waitForMode,
  ensembleHost,
} from "./local-ensemble-members.js";
export { commandJson, COMMAND_NAMES } from "./admin/commands.js";
export { queryServerRole, servesWithLeader, type ServerRoleAnswer } from "./admin-query.js";
export { VERSION_LINE } from "./admin/environment.js";
export { commandText } from "./admin/command-text.js";
export { MetricsRegistry } from "./admin/metrics.js";
// The replicated core, which the simulation in @warden/testing drives: @warden/server/internal.
export { stopServerProcess, FATAL_EXIT_CODE, type FatalKind } from "./fatal.js";
export { startPurgeTask, REAL_CLOCK, type PurgeClock, type PurgeTask } from "./purge-task.js";
