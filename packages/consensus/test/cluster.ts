// A synchronous in-memory host for transcript tests: each command drives the cores and
// prints what they asked for. Persisting and delivering happen only when a command says so.
import type { Entry, HardState, Membership, Message, Ready, Snapshot } from "../src/index.js";
import { Replica } from "../src/index.js";
import { formatEntries, formatMembership, formatMessage, shortZxid } from "../src/internal.js";

interface Storage {
  hardState: HardState;
  snapshot: Snapshot | null;
  log: Entry[];
}

interface TestNode {
  replica: Replica | null;
  written: Storage;
  durable: Storage;
  dirty: boolean;
  applied: Entry[];
  /** The configuration of the applied state (what a host stores with its snapshot). */
  appliedMembership: Membership | undefined;
}

const clone = (s: Storage): Storage => ({ hardState: s.hardState, snapshot: s.snapshot, log: [...s.log] });
const ROUNDS_MAX = 100;

export class TranscriptCluster {
  private readonly nodes = new Map<number, TestNode>();
  private voters: number[] = [];
  private observers: number[] = [];
  private options: { electionTicks: number; logWindowEntries: number } = { electionTicks: 5, logWindowEntries: 10_000 };
  private inbox: Message[] = [];
  private readonly isolated = new Set<number>();

  handle(command: string, args: string[]): string {
    const kv = Object.fromEntries(args.filter((a) => a.includes("=")).map((a) => a.split("=") as [string, string]));
    const ids = args.filter((a) => /^\d+$/.test(a)).map(Number);
    switch (command) {
      case "add-nodes":
        return this.addNodes(kv);
      case "add-spares":
        return this.addSpares(ids);
      case "reconfig":
        return this.reconfig(ids[0]!, kv);
      case "membership":
        return ids.map((id) => this.membership(id)).join("\n");
      case "take-snapshot":
        return ids.map((id) => this.takeSnapshot(id)).join("\n");
      case "campaign":
        return this.each(ids, (r) => r.campaign());
      case "tick":
        return this.each(ids, (r) => {
          for (let i = 0; i < Number(kv.n ?? 1); i++) r.tick();
        });
      case "leader-lost":
        return this.each(ids, (r) => r.leaderLost(kv.leader === undefined ? undefined : Number(kv.leader)));
      case "propose":
        return this.propose(ids[0]!, args.find((a) => !/^\d+$/.test(a)) ?? "");
      case "stabilize":
        return this.stabilize();
      case "sync":
        return this.each(ids.slice(0, 1), (r) => r.sync(Number(kv.id)));
      case "persist":
        return ids
          .map((id) => this.persist(id))
          .filter((s) => s !== "")
          .join("\n");
      case "deliver":
        return this.deliver();
      case "isolate":
        ids.forEach((id) => this.isolated.add(id));
        return "";
      case "heal":
        this.isolated.clear();
        return "";
      case "crash":
        return this.crash(ids[0]!);
      case "restart":
        this.start(ids[0]!);
        return this.processAll();
      case "status":
        return ids.map((id) => this.status(id)).join("\n");
      case "log":
        return ids
          .map((id) => `${id}: durable ${formatEntries(this.node(id).durable.log)} applied ${formatEntries(this.node(id).applied)}`)
          .join("\n");
      default:
        throw new Error(`unknown command ${command}`);
    }
  }

  private node(id: number): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private addNodes(kv: Record<string, string>): string {
    const list = (s: string | undefined) => (s === undefined || s === "" ? [] : s.split(",").map(Number));
    this.voters = list(kv.voters);
    this.observers = list(kv.observers);
    this.options = { electionTicks: Number(kv.election ?? 5), logWindowEntries: Number(kv.window ?? 10_000) };
    for (const id of [...this.voters, ...this.observers]) {
      const empty: Storage = { hardState: { epoch: 0, votedFor: null }, snapshot: null, log: [] };
      this.nodes.set(id, { replica: null, written: empty, durable: clone(empty), dirty: false, applied: [], appliedMembership: undefined });
      this.start(id);
    }
    return "";
  }

  /** Servers started empty with the initial configuration, outside it: to be added by a change. */
  private addSpares(ids: number[]): string {
    for (const id of ids) {
      const empty: Storage = { hardState: { epoch: 0, votedFor: null }, snapshot: null, log: [] };
      this.nodes.set(id, { replica: null, written: empty, durable: clone(empty), dirty: false, applied: [], appliedMembership: undefined });
      this.start(id);
    }
    return this.processAll();
  }

  private reconfig(id: number, kv: Record<string, string>): string {
    const list = (s: string | undefined) => (s === undefined || s === "" ? [] : s.split(",").map(Number));
    const from = kv.from === undefined ? undefined : BigInt(kv.from);
    const r = this.node(id).replica!.proposeMembership({ voters: list(kv.voters), observers: list(kv.observers) }, from);
    const head = r.ok ? `proposed configuration ${shortZxid(r.zxid)}` : `refused: ${r.reason} (leader ${r.leaderId ?? "-"})`;
    const rest = this.processAll();
    return rest === "" ? head : `${head}\n${rest}`;
  }

  private membership(id: number): string {
    const r = this.node(id).replica;
    if (r === null) return `${id}: down`;
    const m = r.membership();
    return `${id}: committed ${formatMembership(m.committed)}${m.pending === null ? "" : `; pending ${formatMembership(m.pending)}`}`;
  }

  /** The host snapshots its applied state (with its configuration) and drops the log below it. */
  private takeSnapshot(id: number): string {
    const n = this.node(id);
    const zxid = n.applied.at(-1)?.zxid ?? n.durable.snapshot?.zxid ?? 0n;
    const snapshot: Snapshot = {
      zxid,
      parts: [new TextEncoder().encode(`state at ${shortZxid(zxid)}`)],
      ...(n.appliedMembership === undefined ? {} : { membership: n.appliedMembership }),
    };
    for (const s of [n.written, n.durable]) {
      s.snapshot = snapshot;
      s.log = s.log.filter((e) => e.zxid > zxid);
    }
    return `> ${id} snapshot at ${shortZxid(zxid)}${n.appliedMembership === undefined ? "" : ` with ${formatMembership(n.appliedMembership)}`}`;
  }

  private start(id: number): void {
    const n = this.node(id);
    n.written = clone(n.durable);
    n.applied = [];
    n.appliedMembership = n.durable.snapshot?.membership;
    const membership = n.durable.snapshot?.membership;
    n.replica = new Replica({
      id,
      voters: this.voters,
      observers: this.observers,
      electionTicks: this.options.electionTicks,
      heartbeatTicks: 1,
      random: id,
      logWindowEntries: this.options.logWindowEntries,
      hardState: n.durable.hardState,
      appliedZxid: n.durable.snapshot?.zxid ?? 0n,
      entries: n.durable.log,
      joining: true,
      ...(membership === undefined ? {} : { membership }),
    });
  }

  private each(ids: number[], f: (r: Replica) => void): string {
    for (const id of ids) f(this.node(id).replica!);
    return this.processAll();
  }

  private propose(id: number, text: string): string {
    const r = this.node(id).replica!.propose(new TextEncoder().encode(text));
    const head = r.ok ? `proposed ${shortZxid(r.zxid)}` : `refused: ${r.reason} (leader ${r.leaderId ?? "-"})`;
    const rest = this.processAll();
    return rest === "" ? head : `${head}\n${rest}`;
  }

  private processAll(): string {
    const out: string[] = [];
    for (const [id, n] of this.nodes) {
      const r = n.replica;
      for (let round = 0; r?.hasReady(); round++) {
        if (round >= ROUNDS_MAX) throw new Error("Ready never settles");
        out.push(...this.handleReady(id, n, r, r.ready()));
      }
    }
    return out.join("\n");
  }

  private handleReady(id: number, n: TestNode, r: Replica, rd: Ready): string[] {
    const out = [`> ${id} handling Ready`];
    if (rd.status !== null)
      out.push(
        `  status ${rd.status.role} leader=${rd.status.leaderId ?? "-"} epoch=${rd.status.epoch}${rd.status.established ? " established" : ""}${rd.status.synced && rd.status.role !== "leader" ? " synced" : ""}`,
      );
    if (rd.hardState !== null) {
      out.push(`  hardState epoch=${rd.hardState.epoch} vote=${rd.hardState.votedFor ?? "-"}`);
      n.written.hardState = rd.hardState;
      n.durable.hardState = rd.hardState; // rule 1: durable before the messages go out
    }
    if (rd.snapshot !== null) {
      out.push(`  install snapshot ${shortZxid(rd.snapshot.zxid)}`);
      n.written = { hardState: n.written.hardState, snapshot: rd.snapshot, log: [] };
    }
    if (rd.truncateAfterZxid !== null) {
      out.push(`  truncate after ${shortZxid(rd.truncateAfterZxid)}`);
      n.written.log = n.written.log.filter((e) => e.zxid <= rd.truncateAfterZxid!);
    }
    if (rd.entries.length > 0) out.push(`  append ${formatEntries(rd.entries)}`);
    n.written.log.push(...rd.entries);
    n.dirty ||= rd.snapshot !== null || rd.truncateAfterZxid !== null || rd.entries.length > 0;
    if (rd.committed.length > 0) out.push(`  apply ${formatEntries(rd.committed)}`);
    n.applied.push(...rd.committed);
    if (rd.snapshot !== null) n.appliedMembership = rd.snapshot.membership;
    for (const e of rd.committed) if (e.membership !== undefined) n.appliedMembership = e.membership;
    if (rd.membership !== null)
      out.push(
        `  membership committed ${formatMembership(rd.membership.committed)}${rd.membership.pending === null ? "" : `; pending ${formatMembership(rd.membership.pending)}`}`,
      );
    if (rd.snapshotWanted !== null) {
      const upTo = n.applied.at(-1)?.zxid ?? n.written.snapshot?.zxid ?? 0n;
      out.push(`  provide snapshot ${shortZxid(upTo)}`);
      r.provideSnapshot({ zxid: upTo, parts: [new TextEncoder().encode(`state at ${shortZxid(upTo)}`)] });
    }
    for (const s of rd.syncsDone) out.push(`  sync ${s.requestId} done at ${shortZxid(s.zxid)}`);
    for (const id of rd.syncsFailed) out.push(`  sync ${id} failed`);
    for (const m of rd.messages) out.push(`  send ${formatMessage(m)}`);
    this.inbox.push(...rd.messages);
    r.advance(rd);
    return out;
  }

  private persist(id: number): string {
    const n = this.node(id);
    if (!n.dirty || n.replica === null) return "";
    n.dirty = false;
    n.durable = clone(n.written);
    const last = n.durable.log.at(-1)?.zxid ?? n.durable.snapshot?.zxid ?? 0n;
    n.replica.persisted(last);
    return `> ${id} persisted ${shortZxid(last)}`;
  }

  private deliver(): string {
    const batch = this.inbox;
    this.inbox = [];
    const out: string[] = [];
    for (const m of batch) {
      const to = this.nodes.get(m.to);
      if (to?.replica == null || this.isolated.has(m.from) || this.isolated.has(m.to)) {
        out.push(`  dropped ${formatMessage(m)}`);
        continue;
      }
      to.replica.step(m);
    }
    const rest = this.processAll();
    return [...out, rest].filter((s) => s !== "").join("\n");
  }

  /** Persist everything, deliver everything, until nothing moves. */
  private stabilize(): string {
    const out: string[] = [this.processAll()];
    for (let round = 0; round < ROUNDS_MAX; round++) {
      const persisted = [...this.nodes.keys()].map((id) => this.persist(id)).filter((s) => s !== "");
      out.push(...persisted, this.processAll());
      if (this.inbox.length === 0 && persisted.length === 0) break;
      out.push(this.deliver());
    }
    return out.filter((s) => s !== "").join("\n");
  }

  private crash(id: number): string {
    const n = this.node(id);
    n.replica = null;
    n.written = clone(n.durable);
    this.inbox = this.inbox.filter((m) => m.to !== id);
    return `> ${id} crashed; durable log ${formatEntries(n.durable.log)}`;
  }

  private status(id: number): string {
    const r = this.node(id).replica;
    if (r === null) return `${id}: down`;
    const s = r.status();
    const lags = r
      .peerLags()
      .map((l) => `${l.id}:${l.state}@${shortZxid(l.matchZxid)}`)
      .join(" ");
    return `${id}: ${s.role} leader=${s.leaderId ?? "-"} epoch=${s.epoch} last=${shortZxid(s.lastZxid)} commit=${shortZxid(s.commitZxid)} applied=${shortZxid(s.appliedZxid)}${lags === "" ? "" : ` peers ${lags}`}`;
  }
}
