export { Prng } from "./sim/prng.js";
export { deriveOptions, describeOptions } from "./sim/options.js";
export type { SimOptions, SimOverrides, HostBugs, MachineKind } from "./sim/options.js";
export { Simulation } from "./sim/simulation.js";
export type { SimStats } from "./sim/simulation.js";
export { runSeed, formatFailure, replayCommand } from "./sim/run.js";
export type { SeedResult } from "./sim/run.js";
export { KvMachine, KvSpec, encodeWrite, decodeWrite } from "./sim/kv.js";
export { TreeModel } from "./sim/tree-model.js";
export type { StateMachine, KvWrite } from "./sim/kv.js";
export { CommittedHistory, SimViolation } from "./sim/history.js";
export type { HistorySpec } from "./sim/history.js";
export { parseTranscript, formatTranscript, runTranscriptFile, runTranscriptFileAsync } from "./transcript.js";
export type { TranscriptBlock, TranscriptMismatch } from "./transcript.js";
export { ProcessEnsemble, freePort, WARDEN_BIN, serverState, waitUntil, createNetnsNetwork, netnsUnavailable } from "./ensemble/index.js";
export type { EnsembleOptions, EnsembleServer, ServerPorts, ServerRole, ServerState, NetnsNetwork } from "./ensemble/index.js";
export { ServerProcess, WARDEN_COMMAND, type ServerProcessPorts, type ServerProcessOptions } from "./process/index.js";
export {
  sizeAcrossBoundaries,
  countAcrossBoundaries,
  listOf,
  patternBytes,
  bytesAcrossBoundaries,
  propertyRuns,
  withBytesAsText,
  BOUNDARY_OFFSET_MIN,
  BOUNDARY_OFFSET_MAX,
  SMALL_BYTES_MAX,
} from "./sizes.js";
export { runCampaign, caseLine } from "./fuzz/campaign.js";
export type { CampaignResult, Failure } from "./fuzz/campaign.js";
export {
  DEFAULTS as FUZZ_DEFAULTS,
  TARGETS as FUZZ_TARGETS,
  deriveOptions as deriveFuzzOptions,
  replayCommand as fuzzReplayCommand,
} from "./fuzz/options.js";
export type { CampaignOptions, TargetName as FuzzTargetName } from "./fuzz/options.js";
export { makeTestCa, hasOpenssl, type TestCa, type CertFiles } from "./tls-certs.js";
export { startStandalone, FAST, type Standalone, type StandaloneOptions } from "./in-process/standalone.js";
export { startInProcessEnsemble, type InProcessEnsemble, type InProcessEnsembleOptions } from "./in-process/ensemble.js";
export { ManualClock } from "./manual-clock.js";
export { ZkModel, ModelError, sequenceName, ownerKindOf, type ModelNode, type ModelEvent, type ZkModelOptions } from "./zk-model/model.js";
export { ModelWatches, type ModelWatchKind, type FireWatch } from "./zk-model/watches.js";
