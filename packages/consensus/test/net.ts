// A small synchronous host for snapshot-transfer tests: replicas whose every write is durable at
// once, and a network the test can look into (drop, duplicate, reorder, hold messages).
import type { Message, Ready, ReplicaConfig, Snapshot } from "../src/index.js";
import { Replica } from "../src/index.js";

export interface TestHost {
  replica: Replica;
  /** The snapshots installed, in order. */
  installed: Snapshot[];
  /** The host's state: the zxid applied last. */
  appliedZxid: bigint;
  snapshotsProvided: number;
}

/** The bytes of the state at `zxid`: `bytes` long, a pattern of the zxid (so different states differ). */
export function stateBytes(zxid: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number((zxid + BigInt(i * 7)) % 251n);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

export class TestNet {
  readonly hosts = new Map<number, TestHost>();
  /** Messages sent and not yet delivered, in order. */
  queue: Message[] = [];
  readonly isolated = new Set<number>();
  /** Every message sent, for assertions. */
  readonly sent: Message[] = [];
  /** Hosts whose disk never completes a write of entries (a disk too slow to sync on). */
  readonly stalledDisks = new Set<number>();

  constructor(
    readonly voters: number[],
    private readonly config: Omit<ReplicaConfig, "id" | "voters">,
    /** Bytes of the state snapshot a leader provides (in parts of 100 bytes). */
    readonly snapshotBytes = 1000,
  ) {
    for (const id of voters) this.start(id);
  }

  start(id: number): TestHost {
    const h: TestHost = {
      replica: new Replica({ id, voters: this.voters, random: id, ...this.config }),
      installed: [],
      appliedZxid: 0n,
      snapshotsProvided: 0,
    };
    this.hosts.set(id, h);
    return h;
  }

  host(id: number): TestHost {
    return this.hosts.get(id)!;
  }

  /** Handles every Ready of every replica (writes durable at once). */
  process(): void {
    for (let round = 0, busy = true; busy; round++) {
      if (round > 1000) throw new Error("Ready never settles");
      busy = false;
      for (const h of this.hosts.values()) {
        while (h.replica.hasReady()) {
          busy = true;
          this.handle(h, h.replica.ready());
        }
      }
    }
  }

  private handle(h: TestHost, rd: Ready): void {
    const r = h.replica;
    if (rd.snapshot !== null) {
      h.installed.push(rd.snapshot);
      h.appliedZxid = rd.snapshot.zxid;
    }
    for (const m of rd.messages) {
      this.sent.push(m);
      if (!this.isolated.has(m.from) && !this.isolated.has(m.to)) this.queue.push(m);
    }
    if (rd.committed.length > 0) h.appliedZxid = rd.committed.at(-1)!.zxid;
    if (rd.snapshotWanted !== null) {
      h.snapshotsProvided++;
      const bytes = stateBytes(h.appliedZxid, this.snapshotBytes);
      const parts = [];
      for (let i = 0; i < bytes.length; i += 100) parts.push(bytes.subarray(i, i + 100));
      r.provideSnapshot({ zxid: h.appliedZxid, parts });
    }
    r.advance(rd);
    const last = rd.entries.at(-1)?.zxid ?? rd.snapshot?.zxid;
    if (last !== undefined && !this.stalledDisks.has(r.id)) r.persisted(rd.entries.at(-1)?.zxid ?? last);
  }

  /** Delivers what is queued now (`filter` may drop, change or multiply each message), then processes. */
  deliver(filter: (m: Message) => Message[] = (m) => [m]): void {
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) for (const out of filter(m)) this.hosts.get(out.to)?.replica.step(out);
    this.process();
  }

  tick(n = 1): void {
    for (let i = 0; i < n; i++) for (const h of this.hosts.values()) h.replica.tick();
    this.process();
  }

  /** Deliver and tick until `done` (or `roundsMax` rounds: then throws); `check` after each round. */
  runUntil(done: () => boolean, filter?: (m: Message) => Message[], roundsMax = 500, check?: () => void): number {
    for (let round = 0; round < roundsMax; round++) {
      if (done()) return round;
      this.deliver(filter);
      check?.();
      if (round % 3 === 2) this.tick();
    }
    throw new Error("condition not reached");
  }

  leader(): TestHost | undefined {
    return [...this.hosts.values()].find((h) => h.replica.role === "leader" && h.replica.status().established);
  }

  /** Elect `id` and let everyone catch up. */
  elect(id: number): TestHost {
    this.host(id).replica.campaign();
    this.process();
    this.runUntil(() => this.leader() !== undefined);
    return this.host(id);
  }

  propose(n: number): void {
    const leader = this.leader()!;
    for (let i = 0; i < n; i++) {
      const r = leader.replica.propose(new TextEncoder().encode(`w${i}`));
      if (!r.ok) throw new Error(`proposal refused: ${r.reason}`);
      this.process();
      this.deliver();
    }
  }
}
