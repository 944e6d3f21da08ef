export { Replica } from "./replica.js";
export { resolveConfig, seededRandom } from "./config.js";
export type { ReplicaConfig, PlantedBugs } from "./config.js";
export { ConsensusConfigError, ConsensusInvariantError, PeerMessageRefusedError } from "./errors.js";
export type * from "./types.js";
export { formatMessage, formatEntries, shortZxid } from "./format.js";
export { validateMessage, PEER_MESSAGE_INVALID, type MessageLimits } from "./validate.js";
export { messageBytesBound, messageBytesMax, MESSAGE_OVERHEAD_BYTES, ENTRY_OVERHEAD_BYTES } from "./size.js";
export type { Checksum } from "./config.js";
