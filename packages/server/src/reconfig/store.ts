// Where configurations survive a restart. The log stores each entry's bytes; a configuration
// entry has none of the host's (payload null), so the log holds it as an empty record, as it
// holds an epoch barrier, and its membership (voters, observers and the server.N lines in
// hostData) goes to a meta value written, durably, BEFORE the log append: a crash between the
// two leaves a membership without its entry (harmless: only an entry in the log is looked up),
// never an entry without its membership. A zxid names one entry for ever (one leader per
// epoch), so an empty record at (epoch, counter > 0) is a configuration entry, and the stored
// membership of that version is its membership. A barrier is always at counter 0.
//
// Each snapshot's membership (the configuration in force at its zxid, which consensus hands
// over with Ready.snapshot and the host tracks while applying) goes to another meta value,
// also before the snapshot itself. Both are bounded: the newest 32 and 16.
import { decode, encode } from "cbor-x";
import { HOST_DATA_BYTES_MAX, MEMBERS_MAX, membersProblem, type Entry, type Membership } from "@warden/consensus";
import { zxidCounter } from "@warden/protocol";
import type { Storage } from "@warden/storage";

/** Configuration entries kept: far more than the log between two snapshots holds in practice. */
export const CONFIG_ENTRIES_KEPT = 32;
/** Snapshot memberships kept (storage keeps fewer snapshots than this by default). */
export const SNAPSHOT_MEMBERSHIPS_KEPT = 16;
// One meta value per slot, reused in turn (the storage has no delete): each holds one
// membership (at most HOST_DATA_BYTES_MAX bytes of lines), under its 64 KiB value limit.
const entryKey = (slot: number) => `consensus.configEntry.${slot}`;
const snapshotKey = (slot: number) => `consensus.snapshotMembership.${slot}`;

type Stored = { v: bigint; s: number[]; o: number[]; h?: Uint8Array };
type Slot = { n: number; z: bigint; m: Membership };

const toStored = (m: Membership): Stored => ({
  v: m.version,
  s: [...m.voters],
  o: [...m.observers],
  ...(m.hostData ? { h: m.hostData } : {}),
});

/** A stored membership, checked as a peer's would be: a damaged value is an error, never a configuration. */
function fromStored(value: unknown, where: string): Membership {
  const f = value as Partial<Stored> | null;
  const ids = (l: unknown) => Array.isArray(l) && l.length <= MEMBERS_MAX && l.every((x) => Number.isSafeInteger(x));
  if (typeof f !== "object" || f === null || typeof f.v !== "bigint" || !ids(f.s) || !ids(f.o))
    throw new Error(`${where}: a stored configuration is malformed`);
  if (f.h !== undefined && (!(f.h instanceof Uint8Array) || f.h.length > HOST_DATA_BYTES_MAX))
    throw new Error(`${where}: a stored configuration's server lines are malformed`);
  const m: Membership = { version: f.v, voters: f.s!, observers: f.o!, ...(f.h ? { hostData: Uint8Array.from(f.h) } : {}) };
  if (membersProblem(m.voters, m.observers) !== null)
    throw new Error(`${where}: a stored configuration has no voter, a repeated id or too many members`);
  return m;
}

async function readSlots(storage: Storage, key: (slot: number) => string, count: number): Promise<Slot[]> {
  const out: Slot[] = [];
  for (let slot = 0; slot < count; slot++) {
    const raw = await storage.getMeta(key(slot));
    if (raw === undefined) continue;
    const f = decode(raw) as { n?: unknown; z?: unknown; m?: unknown } | null;
    if (typeof f !== "object" || f === null || !Number.isSafeInteger(f.n) || typeof f.z !== "bigint")
      throw new Error(`${key(slot)}: malformed`);
    out.push({ n: f.n as number, z: f.z, m: fromStored(f.m, key(slot)) });
  }
  return out.sort((a, b) => a.n - b.n);
}

class Slots {
  constructor(
    private readonly storage: Storage,
    private readonly key: (slot: number) => string,
    private readonly count: number,
    readonly held: Slot[],
  ) {}

  find(zxid: bigint): Membership | undefined {
    for (let i = this.held.length - 1; i >= 0; i--) if (this.held[i]!.z === zxid) return this.held[i]!.m;
    return undefined;
  }

  async put(zxid: bigint, m: Membership): Promise<void> {
    const n = (this.held.at(-1)?.n ?? -1) + 1;
    this.held.push({ n, z: zxid, m });
    if (this.held.length > this.count) this.held.shift();
    await this.storage.setMeta(this.key(n % this.count), encode({ n, z: zxid, m: toStored(m) }));
  }
}

export class ConfigStore {
  private constructor(
    private readonly entries: Slots,
    private readonly snapshots: Slots,
  ) {}

  static async open(storage: Storage): Promise<ConfigStore> {
    return new ConfigStore(
      new Slots(storage, entryKey, CONFIG_ENTRIES_KEPT, await readSlots(storage, entryKey, CONFIG_ENTRIES_KEPT)),
      new Slots(storage, snapshotKey, SNAPSHOT_MEMBERSHIPS_KEPT, await readSlots(storage, snapshotKey, SNAPSHOT_MEMBERSHIPS_KEPT)),
    );
  }

  /** The membership stored with the snapshot at `zxid`, if any. */
  snapshotMembership(zxid: bigint): Membership | undefined {
    return this.snapshots.find(zxid);
  }

  /**
   * The entry a log record read at restart stands for: a host record, a barrier, or a
   * configuration entry (an empty record past counter 0, whose membership must be stored).
   */
  entryOf(zxid: bigint, data: Uint8Array): Entry {
    if (data.length > 0) return { zxid, payload: data };
    if (zxidCounter(zxid) === 0) return { zxid, payload: null };
    const membership = this.entries.find(zxid);
    if (membership === undefined)
      throw new Error(`the log holds a configuration entry at 0x${zxid.toString(16)} whose membership is not stored`);
    return { zxid, payload: null, membership };
  }

  /** Stores the memberships of these entries durably; call before appending them to the log. */
  async beforeAppend(entries: readonly Entry[]): Promise<void> {
    for (const e of entries) if (e.membership) await this.entries.put(e.zxid, e.membership);
  }

  /** Stores the membership in force at a snapshot's zxid; call before writing the snapshot. */
  async beforeSnapshot(zxid: bigint, membership: Membership): Promise<void> {
    await this.snapshots.put(zxid, membership);
  }
}
