// The tree machine: the server's own WardenNode (packages/server/src/core/node.ts) over the
// real DataTree, wired to the simulated replica the way core/replication.ts and server.ts
// wire it to the real one: propose and nextZxid go to the replica, appliedZxid is the
// replica's, committed batches go to applyCommitted, role changes to statusChanged, a
// leader's snapshot to installSnapshot (asynchronous: loadSnapshot), and the server-to-server
// messages (forwarded writes, their failures, session touches) travel the simulated network.
import type { Entry, Snapshot, Status } from "@warden/consensus";
import { WardenNode, type NodeHooks, type ServerMessage } from "@warden/server/internal";
import { formatZxid } from "@warden/protocol";
import { DataTree, loadSnapshot, treeDigest } from "@warden/tree";
import { SimViolation } from "./history.js";
import type { StateMachine } from "./kv.js";
import type { SimNode } from "./node.js";

/** What a tree machine needs from the simulation. */
export interface TreeEnv {
  readonly now: number;
  readonly tickMs: number;
  /** Planted: report the replica's commit zxid as applied, so a new leader prepares before its tree caught up. */
  readonly prepareBeforeApplied: boolean;
  readonly keepPreparer: boolean;
  sendServer(from: number, to: number, m: ServerMessage): void;
  sessionCreated(node: SimNode, sessionId: bigint, zxid: bigint): void;
  sessionEnded(node: SimNode, sessionId: bigint): void;
}

export class TreeMachine implements StateMachine {
  node: WardenNode;

  constructor(
    private readonly host: SimNode,
    private readonly env: TreeEnv,
  ) {
    this.node = this.make(new DataTree());
  }

  private make(tree: DataTree): WardenNode {
    const host = this.host;
    const env = this.env;
    const hooks: NodeHooks = {
      myId: host.id,
      sendToPeer: (to, m) => env.sendServer(host.id, to, m),
      propose: (payload) => {
        const r = host.replica!.propose(payload);
        host.kick();
        return r.ok ? { ok: true, zxid: r.zxid } : { ok: false };
      },
      nextZxid: () => host.replica!.lastZxid + 1n,
      canPropose: () => host.replica?.canPropose() ?? false,
      nowMs: () => env.now,
      endSession: (id) => env.sessionEnded(host, id),
      deliverEvent: () => {},
      sessionCreated: (id) => env.sessionCreated(host, id, this.node.tree.lastProcessedZxid),
      log: () => {},
      appliedZxid: () => (env.prepareBeforeApplied ? host.replica!.commitZxid : host.replica!.status().appliedZxid),
    };
    const node = new WardenNode(hooks, env.tickMs, tree);
    // Planted bug: prepared changes that never committed survive into the next term.
    if (env.keepPreparer) node.preparer.reset = () => {};
    return node;
  }

  /** The durable snapshot's zxid (it may be an epoch barrier's, after the tree's last txn). */
  private restoredZxid = 0n;

  get appliedZxid(): bigint {
    const tree = this.node.tree.lastProcessedZxid;
    return tree > this.restoredZxid ? tree : this.restoredZxid;
  }

  applyCommitted(entries: readonly Entry[]): void {
    this.node.applyCommitted(entries);
  }

  snapshot(): Snapshot {
    const s = this.node.snapshotOfAppliedState();
    if (!this.env.prepareBeforeApplied) return s;
    // The planted bug is about when a leader prepares; keep its snapshots labelled truly.
    const applied = this.host.replica!.status().appliedZxid;
    const tree = this.node.tree.lastProcessedZxid;
    return { zxid: applied > tree ? applied : tree, parts: s.parts };
  }

  restore(snapshot: Snapshot | null): Promise<void> | undefined {
    if (snapshot === null) return undefined;
    this.restoredZxid = snapshot.zxid;
    return loadSnapshot(snapshot.parts).then((tree) => {
      this.node = this.make(tree);
    });
  }

  checkSnapshot(snapshot: Snapshot): string | null {
    return this.node.checkSnapshot(snapshot);
  }

  install(snapshot: Snapshot): Promise<void> {
    return this.node.installSnapshot(snapshot).catch((e: unknown) => {
      throw new SimViolation("snapshot-installed-whole", `snapshot at ${formatZxid(snapshot.zxid)} does not load: ${(e as Error).message}`);
    });
  }

  statusChanged(s: Status): void {
    this.node.statusChanged(s);
  }

  tick(): void {
    this.node.tick(false);
  }

  fingerprint(): string {
    return treeDigest(this.node.tree);
  }
}
