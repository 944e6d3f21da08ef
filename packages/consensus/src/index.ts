export { Replica } from "./replica.js";
export { resolveConfig, seededRandom } from "./config.js";
export type { ReplicaConfig } from "./config.js";
export { ConsensusConfigError, ConsensusInvariantError, PeerMessageRefusedError } from "./errors.js";
export type * from "./types.js";
export { HOST_DATA_BYTES_MAX, MEMBERS_MAX, MEMBERSHIP_BYTES_MAX, membersProblem, quorumOf } from "./membership.js";
export { validateMessage, PEER_MESSAGE_INVALID, type MessageLimits } from "./validate.js";
export { messageBytesMax, MESSAGE_OVERHEAD_BYTES, ENTRY_OVERHEAD_BYTES } from "./size.js";
export type { Checksum } from "./config.js";
// PlantedBugs, the trace formatting and messageBytesBound: @warden/consensus/internal.
