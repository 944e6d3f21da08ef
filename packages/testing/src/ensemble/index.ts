export { ProcessEnsemble, freePort, WARDEN_BIN } from "./process-ensemble.js";
export type { EnsembleOptions, EnsembleServer, ServerPorts } from "./process-ensemble.js";
export { serverState } from "./admin.js";
export { waitUntil } from "../wait.js";
export type { ServerRole, ServerState } from "./admin.js";
export { createNetnsNetwork, netnsUnavailable } from "./netns.js";
export type { NetnsNetwork } from "./netns.js";
