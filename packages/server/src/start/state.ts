// Storage and recovery: opens the log and snapshots, loads the newest snapshot, recovers the
// replica's state and stored configurations, and reads the session secret. Runs before any
// port is opened.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { DataTree, loadSnapshot } from "@warden/tree";
import { Storage, StorageErrorReason, isStorageError } from "@warden/storage";
import { ConfigError, type ServerConfig } from "../config/index.js";
import { ConfigStore } from "../reconfig/store.js";
import { recoverReplicaState } from "../core/replication.js";
import { peerLimits } from "../peer/limits.js";

/**
 * A log entry must hold the largest txn record the peers may carry (peer/limits.ts derives it
 * from jute.maxbuffer; the node refuses a write whose record would be larger), at least 8 MiB.
 */
export function storageOptions(
  config: Pick<ServerConfig, "frameBytesMax" | "forceSync" | "fsyncWarningThresholdMs">,
  log: (line: string) => void = () => {},
) {
  const MiB = 1024 * 1024;
  const entryBytesMax = Math.max(8 * MiB, peerLimits(config.frameBytesMax).entryBytesMax);
  const writeBytesMax = Math.max(16 * MiB, entryBytesMax);
  return {
    entryBytesMax,
    writeBytesMax,
    queueBytesMax: Math.max(64 * MiB, 4 * writeBytesMax),
    forceSync: config.forceSync,
    fsyncWarningThresholdMs: config.fsyncWarningThresholdMs,
    onSlowFsync: (ms: number) =>
      log(
        `WARNING: fsync of the transaction log took ${ms.toFixed(1)} ms (fsync.warningthresholdms=${config.fsyncWarningThresholdMs}): every write waits for it; look at the load of the log's disk`,
      ),
  };
}

/** What the server starts from: its open storage and everything recovered from it. */
export interface RecoveredState {
  /** Open; the shutdown closes it last but the audit log. */
  readonly storage: Storage;
  /** The newest snapshot's tree (empty without one); the log after it is replayed by the replica. */
  readonly tree: DataTree;
  readonly recovered: Awaited<ReturnType<typeof recoverReplicaState>>;
  readonly configs: ConfigStore;
  /** The zxid of the snapshot loaded, undefined without one. */
  readonly snapshotZxid: bigint | undefined;
  /** The session-password key (readSecret); undefined: the ensemble's first leader commits one. */
  readonly secret: Uint8Array | undefined;
  /** From `startedMs` to the state being loaded (ZooKeeper's db_init_time). */
  readonly dbInitMs: number;
}

/** Opens storage and recovers this server's state; `startedMs` is when the start began. */
export async function recoverState(config: ServerConfig, log: (l: string) => void, startedMs: number): Promise<RecoveredState> {
  const { storage, tree, recovered, configs, snapshotZxid } = await openState(config, log);
  if (recovered.membership)
    log(
      `configuration 0x${recovered.membership.version.toString(16)} recovered with the snapshot at 0x${(snapshotZxid ?? 0n).toString(16)}: voters ${recovered.membership.voters.join(",")}`,
    );
  const dbInitMs = Date.now() - startedMs;
  const secret = readSecret(config);
  return { storage, tree, recovered, configs, snapshotZxid, secret, dbInitMs };
}

async function openState(config: ServerConfig, log: (l: string) => void) {
  mkdirSync(config.dataDir, { recursive: true });
  const storage = await Storage.open(join(config.dataDir, "warden"), storageOptions(config, log), join(config.dataLogDir, "warden")).catch(
    (e: unknown) => {
      // dataDir and dataLogDir disagree with the data on disk: a configuration problem, not a disk failure.
      throw isStorageError(e) && e.reason === StorageErrorReason.MISPLACED_DATA ? new ConfigError(e.message) : e;
    },
  );
  const configs = await ConfigStore.open(storage);
  const loaded = await storage.loadNewestSnapshot((reader) => loadSnapshot(reader.chunks, { replayTo: storage.recovery.lastZxid }));
  for (const s of loaded.skipped) log(`skipped a damaged snapshot: ${s.message}`);
  const snapshotZxid = loaded.snapshot?.zxid ?? 0n;
  const tree = loaded.snapshot?.value ?? new DataTree();
  const recovered = await recoverReplicaState(storage, snapshotZxid, configs);
  return { storage, tree, recovered, configs, snapshotZxid: loaded.snapshot ? snapshotZxid : undefined };
}

/**
 * The key session passwords are derived from: the ensembleSecretFile's; a standalone server's
 * own random one in dataDir; or, for an ensemble without a secret file, undefined: the
 * ensemble's first leader commits a random one through the log (tree.sessionSecret).
 */
function readSecret(config: ServerConfig): Uint8Array | undefined {
  if (config.ensembleSecretFile) return new Uint8Array(readFileSync(config.ensembleSecretFile));
  if (config.servers.length > 1) return undefined;
  const file = join(config.dataDir, "session-secret");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600 });
  return new Uint8Array(readFileSync(file));
}
