// Clients of the tree machine: each holds a session (created, kept alive by touches, closed,
// or expired by the leader when it goes silent) and issues one request at a time to a
// server of its choice: setData on a few register znodes with and without version checks,
// persistent and ephemeral (sequential) creates, deletes of its ephemerals, multis, reads of
// the registers. Every request is registered with the model (tree-model.ts) under its
// "sessionId:cxid", which is also its unique value in the client history (clients.ts).
import { CreateMode, ErrorCode, OPEN_ACL_UNSAFE, formatZxid, type Zxid } from "@warden/protocol";
import type { LocalSession, Reply } from "@warden/server/internal";
import type { ClientHistory, WriteRecord } from "./clients.js";
import { SimViolation } from "./history.js";
import type { SimNode } from "./node.js";
import type { Prng } from "./prng.js";
import type { TreeMachine } from "./tree-machine.js";
import { text, type ModelRequest, type TreeModel } from "./tree-model.js";

export interface TreeWorkloadEnv {
  readonly now: number;
  readonly nodes: readonly SimNode[];
  node(id: number): SimNode;
  clientIdle(client: number): void;
  /** Outcome "unknown" after the write timeout unless answered before. */
  scheduleTimeout(w: WriteRecord, client: number): void;
  note(text: string): void;
}

interface TreeClient {
  session: bigint | null;
  live: boolean;
  incarnation: number;
  cxid: number;
  /** The version this client last saw of each register (for conditional setData). */
  readonly versions: Map<string, number>;
  ephemerals: string[];
  silentUntilMs: number;
  hint: number | null;
  /** Its pending createSession; a session whose create timed out is abandoned (the leader expires it). */
  creating: WriteRecord | null;
  /** The server its session is attached to: a write elsewhere first reattaches (revalidates) there. */
  attachedTo: number | null;
}

const encoder = new TextEncoder();
const CREATE_SESSION_CXID = -10;
export const REGISTER_PREFIX = "/r";

export class TreeWorkload {
  private readonly clients: TreeClient[] = [];
  private counter = 0;
  /** The writes each server holds for its sessions, to cut them off at a crash. */
  private readonly waiting = new Map<string, { w: WriteRecord; node: SimNode; client: number; generation: number }>();

  constructor(
    private readonly env: TreeWorkloadEnv,
    private readonly prng: Prng,
    private readonly history: ClientHistory,
    private readonly model: TreeModel,
    private readonly registers: number,
    readonly sessionTimeoutMs: number,
  ) {}

  private client(c: number): TreeClient {
    while (this.clients.length <= c)
      this.clients.push({
        session: null,
        live: false,
        incarnation: 0,
        cxid: 0,
        versions: new Map(),
        ephemerals: [],
        silentUntilMs: 0,
        hint: null,
        creating: null,
        attachedTo: null,
      });
    return this.clients[c]!;
  }

  private machine(n: SimNode): TreeMachine {
    return n.machine as TreeMachine;
  }

  /** One step of client `c` (not busy). */
  step(c: number): void {
    const k = this.client(c);
    if (k.silentUntilMs > this.env.now) return this.env.clientIdle(c);
    if (this.prng.chance(0.002)) {
      // Goes silent past its session timeout: the leader must expire it (and its ephemerals).
      k.silentUntilMs = this.env.now + this.sessionTimeoutMs * 2 + 500;
      this.env.note(`client ${c} goes silent`);
      return this.env.clientIdle(c);
    }
    const target = k.hint !== null && this.prng.chance(0.8) ? this.env.node(k.hint) : this.prng.pick(this.env.nodes);
    if (target.paused || !target.up) return this.env.clientIdle(c);
    if (!k.live && k.creating?.outcome === "pending") return this.env.clientIdle(c);
    if (!k.live) return this.createSession(c, k, target);
    const tm = this.machine(target);
    tm.node.touch(k.session!);
    if (this.prng.chance(0.35)) return this.read(c, target);
    this.write(c, k, target, this.pickRequest(c, k));
  }

  private register(): string {
    return `${REGISTER_PREFIX}${this.prng.int(this.registers)}`;
  }

  private data(c: number): Uint8Array {
    return encoder.encode(`c${c}w${this.counter++}`);
  }

  private pickRequest(c: number, k: TreeClient): ModelRequest {
    const roll = this.prng.int(100);
    const cas = (path: string) => (this.prng.chance(0.5) ? -1 : (k.versions.get(path) ?? 0));
    if (roll < 35) {
      const path = this.register();
      return { type: "setData", path, data: this.data(c), version: cas(path) };
    }
    if (roll < 45) {
      const path = this.prng.pick([this.register(), "/s", "/e"]);
      return { type: "create", path, data: this.data(c), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT };
    }
    if (roll < 58)
      return { type: "create", path: "/s/n-", data: this.data(c), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT_SEQUENTIAL };
    if (roll < 70) {
      const sequential = this.prng.chance(0.5);
      const path = sequential ? "/e/q-" : `/e/c${c}-${this.prng.int(3)}`;
      return {
        type: "create",
        path,
        data: this.data(c),
        acl: [...OPEN_ACL_UNSAFE],
        mode: sequential ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL,
      };
    }
    if (roll < 80 && k.ephemerals.length > 0) return { type: "delete", path: this.prng.pick(k.ephemerals), version: -1 };
    if (roll < 95) {
      const a = this.register();
      const b = this.register();
      if (this.prng.chance(0.5))
        return {
          type: "multi",
          ops: [
            { type: "check", path: a, version: cas(a) },
            { type: "setData", path: b, data: this.data(c), version: -1 },
          ],
        };
      return {
        type: "multi",
        ops: [
          { type: "setData", path: a, data: this.data(c), version: cas(a) },
          { type: "create", path: "/s/m-", data: this.data(c), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT_SEQUENTIAL },
        ],
      };
    }
    return { type: "closeSession" };
  }

  private createSession(c: number, k: TreeClient, target: SimNode): void {
    const id = (BigInt(c + 1) << 32n) | BigInt(++k.incarnation);
    k.session = id;
    k.live = false;
    k.ephemerals = [];
    k.attachedTo = target.id;
    const key = `${id}:${CREATE_SESSION_CXID}`;
    this.model.expect(key, { type: "createSession" });
    const w = this.history.invokeWrite(c, "createSession", key, this.env.now);
    k.creating = w;
    this.waiting.set(key, { w, node: target, client: c, generation: target.generation });
    this.env.scheduleTimeout(w, c);
    this.machine(target).node.submitCreateSession(id, this.sessionTimeoutMs);
  }

  /** A createSession committed and applied at `node`: the client's server opens the session. */
  sessionCreated(node: SimNode, id: bigint, zxid: Zxid): void {
    const key = `${id}:${CREATE_SESSION_CXID}`;
    const p = this.waiting.get(key);
    if (p === undefined || p.node !== node || p.generation !== node.generation) return;
    this.waiting.delete(key);
    if (p.w.outcome !== "pending") return;
    this.history.acknowledge(p.w, zxid, this.env.now);
    const k = this.clients[p.client];
    if (k !== undefined && k.session === id) k.live = true;
    this.env.clientIdle(p.client);
  }

  /** A server ends a session: its createSession failed there, or it was closed or expired. */
  sessionEnded(node: SimNode, id: bigint): void {
    const key = `${id}:${CREATE_SESSION_CXID}`;
    const p = this.waiting.get(key);
    if (p !== undefined && p.node === node && p.generation === node.generation && p.w.outcome === "pending") {
      this.waiting.delete(key);
      this.settle(p.w, p.client, "fail");
    }
    for (const k of this.clients) if (k.session === id && k.live) (k.session = null), (k.live = false);
  }

  private write(c: number, k: TreeClient, target: SimNode, request: ModelRequest): void {
    const sessionId = k.session!;
    const cxid = ++k.cxid;
    const key = `${sessionId}:${cxid}`;
    this.model.expect(key, request);
    const w = this.history.invokeWrite(c, describe(request), key, this.env.now);
    const generation = target.generation;
    this.waiting.set(key, { w, node: target, client: c, generation });
    this.env.scheduleTimeout(w, c);
    // A server's client handler revalidates a session that reattaches to it (the leader's owner
    // rule refuses a write from a server the session has moved away from: SESSION_MOVED).
    if (k.attachedTo !== target.id) {
      this.machine(target).node.submitRevalidate(sessionId);
      k.attachedTo = target.id;
    }
    const session = {
      sessionId,
      identities: [],
      superuser: false,
      connection: { close: () => this.lost(key) },
    } as unknown as LocalSession;
    this.machine(target).node.submitWrite(session, cxid, request as Parameters<TreeMachine["node"]["submitWrite"]>[2], (reply) =>
      this.reply(key, target, generation, reply),
    );
  }

  /** The server closed the connection on a write whose fate it cannot know. */
  private lost(key: string): void {
    const p = this.waiting.get(key);
    if (p === undefined) return;
    this.waiting.delete(key);
    this.settle(p.w, p.client, "unknown");
  }

  private settle(w: WriteRecord, client: number, outcome: "fail" | "unknown"): void {
    if (w.outcome !== "pending") return;
    w.outcome = outcome;
    w.responseMs = this.env.now;
    this.env.clientIdle(client);
  }

  private reply(key: string, node: SimNode, generation: number, reply: Reply): void {
    const p = this.waiting.get(key);
    if (p === undefined || node.generation !== generation) return;
    this.waiting.delete(key);
    if (p.w.outcome !== "pending") return;
    const outcome = this.model.outcomes.get(key);
    if (outcome === undefined) return this.settle(p.w, p.client, "fail"); // refused before any txn
    this.history.acknowledge(p.w, reply.zxid, this.env.now);
    const expectedErr = p.w.key.startsWith("multi") ? 0 : outcome.err;
    if (reply.err !== expectedErr) {
      throw new SimViolation(
        "reply-matches-txn",
        `${key} (${p.w.key}) answered ${reply.err} at ${formatZxid(reply.zxid)}, its committed outcome is ${outcome.err}`,
      );
    }
    this.learn(p.client, p.w.key, key, outcome);
    this.env.clientIdle(p.client);
  }

  /** What the client takes from an answer: versions, its ephemerals, its session's end. */
  private learn(c: number, what: string, key: string, outcome: { err: number; path?: string; version?: number }): void {
    const k = this.client(c);
    if (!key.startsWith(`${k.session}:`)) return;
    const path = what.split(" ")[1] ?? "";
    if (what.startsWith("setData") && outcome.version !== undefined) k.versions.set(path, outcome.version);
    if (what.startsWith("create") && outcome.path?.startsWith("/e/")) k.ephemerals.push(outcome.path);
    if (what.startsWith("delete") && outcome.err === 0) k.ephemerals = k.ephemerals.filter((e) => e !== path);
    if (outcome.err === ErrorCode.NO_NODE && what.startsWith("delete")) k.ephemerals = k.ephemerals.filter((e) => e !== path);
    if (outcome.err === ErrorCode.SESSION_EXPIRED || what.startsWith("closeSession")) (k.session = null), (k.live = false);
  }

  /** A read of a register from the server's own tree, as the server serves it. */
  private read(c: number, target: SimNode): void {
    const tm = this.machine(target);
    const tree = tm.node.tree;
    if (tm.node.serving && tree.lastProcessedZxid >= this.history.lastSeen(c)) {
      const path = this.register();
      const stat = tree.exists(path);
      const value = stat === undefined ? undefined : `${text(tree.getData(path).data ?? new Uint8Array(0))}@${stat.version}`;
      this.history.read(c, path, value, tree.lastProcessedZxid);
      if (stat !== undefined) this.client(c).versions.set(path, stat.version);
    }
    this.env.clientIdle(c);
  }

  /** A server that crashes, or installs a snapshot (server.ts closes every client then), never answers what it held. */
  connectionsClosed(node: SimNode): void {
    for (const [key, p] of this.waiting) {
      if (p.node !== node) continue;
      this.waiting.delete(key);
      this.settle(p.w, p.client, "unknown");
    }
  }

  /** The final write of the convergence check: a createSession through the leader. */
  finalWrite(leader: SimNode, client: number): WriteRecord {
    const k = this.client(client);
    k.session = null;
    this.createSession(client, k, leader);
    return this.history.writes.at(-1)!;
  }
}

function describe(r: ModelRequest): string {
  switch (r.type) {
    case "create":
    case "delete":
    case "setData":
    case "check":
      return `${r.type} ${r.path}`;
    case "multi":
      return `multi ${r.ops.map((o) => o.path).join(" ")}`;
    default:
      return r.type;
  }
}
