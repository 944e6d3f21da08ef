export { Replica } from "./replica.js";
export { resolveConfig, seededRandom } from "./config.js";
export type { ReplicaConfig, PlantedBugs } from "./config.js";
export { ConsensusConfigError, ConsensusInvariantError } from "./errors.js";
export type * from "./types.js";
export { formatMessage, formatEntries, shortZxid } from "./format.js";
