// The commands of the client's session transcripts (test/testdata/session/*.txt): one client
// on a FakeEnsemble and a ManualClock. Each command's output is what happened meanwhile, in
// order and stamped with the client's time: frames the client sent, links it opened and
// closed, session events, watch events and call outcomes as the user's code receives them.
// Zero-delay timers run at the end of each step, as on the next turn of a real event loop.
import {
  CloseReason,
  EMPTY_STAT,
  ErrorCode,
  EventType,
  KeeperState,
  seededRandom,
  type Request,
  type Response,
  type WardenError,
} from "@warden/protocol";
import { createClient, type Client, type WatchedEvent } from "@warden/client";
import { ManualClock } from "@warden/testing";
import { FakeEnsemble, hex, type FakeLink } from "./fake-ensemble.js";

const name = <T extends Record<string, number>>(table: T, value: number) => Object.entries(table).find(([, v]) => v === value)?.[0];

/** key=value arguments after the positional ones. */
function options(args: string[]): { positional: string[]; named: Map<string, string> } {
  const named = new Map<string, string>();
  const positional: string[] = [];
  for (const a of args) {
    const i = a.indexOf("=");
    if (i > 0) named.set(a.slice(0, i), a.slice(i + 1));
    else positional.push(a);
  }
  return { positional, named };
}

export class SessionTranscript {
  readonly clock = new ManualClock();
  readonly ensemble = new FakeEnsemble(() => this.clock.now());
  #client: Client | undefined;
  #calls = 0;
  /** The ensemble's last zxid: replies carry it, each write moves it on. */
  #zxid = 0n;

  async handle(command: string, args: string[]): Promise<string> {
    const { positional, named } = options(args);
    const server = positional[0] ?? "";
    switch (command) {
      case "client":
        this.#start(named);
        break;
      case "call":
        this.#call(positional, named);
        break;
      case "close":
        void this.#needClient().close();
        break;
      case "advance":
        this.clock.advance(Number(server));
        break;
      case "accept":
        this.ensemble.link(server, "pending").accept();
        break;
      case "refuse":
        this.ensemble.link(server, "pending").close("connection refused");
        break;
      case "drop":
        this.ensemble.link(server, "open").close("connection reset");
        break;
      case "handshake":
        this.#handshake(server, named);
        break;
      case "reply":
        this.#reply(this.ensemble.link(server, "open"), named);
        break;
      case "event":
        this.#event(this.ensemble.link(server, "open"), positional.slice(1), named);
        break;
      case "expire":
        this.#expire(positional, named);
        break;
      case "state":
        return this.#state();
      default:
        throw new Error(`unknown command ${command}`);
    }
    // Let promises settle (calls resolve on later turns), then run what is due now.
    await settle();
    this.clock.advance(0);
    await settle();
    return this.ensemble.take().join("\n");
  }

  #needClient(): Client {
    if (this.#client === undefined) throw new Error("no client: start one with `client`");
    return this.#client;
  }

  #start(named: Map<string, string>): void {
    const servers = (named.get("servers") ?? "s1").split(",");
    const client = createClient(servers.map((s) => `${s}:2281`).join(","), {
      transport: this.ensemble,
      clock: this.clock,
      // Seed 5 happens to keep three servers in the order given, which makes transcripts easier to read.
      random: seededRandom(Number(named.get("seed") ?? 5)),
      sessionTimeoutMs: Number(named.get("sessionTimeoutMs") ?? 9000),
      reconnectDelayMsMin: Number(named.get("reconnectDelayMsMin") ?? 100),
      reconnectDelayMsMax: Number(named.get("reconnectDelayMsMax") ?? 400),
      reconnectAfterExpiry: named.get("reconnectAfterExpiry") !== "false",
    });
    client.on("state", (s) => this.ensemble.log(`state ${s} (client ${client.state}, session ${hex(client.sessionId)})`));
    this.#client = client;
  }

  /** call <op> <path> [watch] [retryRead]: runs a client method and logs its outcome when it settles. */
  #call(positional: string[], named: Map<string, string>): void {
    const client = this.#needClient();
    const [op, path = "/"] = positional;
    const id = ++this.#calls;
    const watch = positional.includes("watch")
      ? (e: WatchedEvent) => this.ensemble.log(`watch of call#${id} fires: ${describeEvent(e)}`)
      : undefined;
    const callOptions = {
      retryRead: positional.includes("retryRead"),
      ...(named.has("timeoutMs") ? { timeoutMs: Number(named.get("timeoutMs")) } : {}),
    };
    const run = (): Promise<unknown> => {
      if (op === "getData") return client.getData(path, { ...callOptions, ...(watch ? { watch } : {}) });
      if (op === "exists") return client.exists(path, { ...callOptions, ...(watch ? { watch } : {}) });
      if (op === "getChildren") return client.getChildren(path, { ...callOptions, ...(watch ? { watch } : {}) });
      if (op === "create") return client.create(path, "", callOptions);
      if (op === "setData") return client.setData(path, "", -1, callOptions);
      if (op === "sync") return client.sync(path, callOptions);
      throw new Error(`call: unknown op ${op}`);
    };
    run().then(
      (r) => this.ensemble.log(`call#${id} ${op} ${path} resolves: ${describeResult(r)}`),
      (e: WardenError) => this.ensemble.log(`call#${id} ${op} ${path} rejects: ${e.constructor.name}`),
    );
  }

  #handshake(server: string, named: Map<string, string>): void {
    if (named.has("zxid")) this.#zxid = BigInt(named.get("zxid")!);
    const timeoutMs = named.has("timeoutMs") ? Number(named.get("timeoutMs")) : undefined;
    this.ensemble.handshake(this.ensemble.link(server, "open"), this.#zxid, timeoutMs);
  }

  /** reply <server> [err=NO_NODE] [zxid=N]: answers the oldest unanswered request on the link. */
  #reply(link: FakeLink, named: Map<string, string>): void {
    const next = link.unanswered.shift();
    if (next === undefined) throw new Error(`nothing to answer on ${link.server}`);
    if (named.has("zxid")) this.#zxid = BigInt(named.get("zxid")!);
    else if (isWrite(next.request)) this.#zxid++;
    const errName = named.get("err");
    const err = errName === undefined ? 0 : (ErrorCode as Record<string, number>)[errName];
    if (err === undefined) throw new Error(`unknown error code ${errName}`);
    const zxid = this.#zxid;
    this.ensemble.log(`${link.server} -> reply xid=${next.xid} ${errName ?? "ok"} zxid=${zxid} (${next.request.type})`);
    link.send(
      err === 0
        ? { kind: "reply", xid: next.xid, zxid, err, response: responseTo(next.request, zxid) }
        : { kind: "reply", xid: next.xid, zxid, err },
    );
  }

  /** event <server> <EventType> <path> [zxid=N]. */
  #event(link: FakeLink, [type = "", path = ""]: string[], named: Map<string, string>): void {
    const eventType = (EventType as Record<string, number>)[type] as EventType | undefined;
    if (eventType === undefined) throw new Error(`unknown event type ${type}`);
    this.#zxid = named.has("zxid") ? BigInt(named.get("zxid")!) : this.#zxid;
    this.ensemble.log(`${link.server} -> event ${type} ${path} zxid=${this.#zxid}`);
    link.send({ kind: "event", event: { type: eventType, state: KeeperState.SyncConnected, path, zxid: this.#zxid } });
  }

  /** expire [server]: the ensemble expires the session; with a server, that server tells its client. */
  #expire(positional: string[], _named: Map<string, string>): void {
    const id = this.#needClient().sessionId;
    if (!this.ensemble.sessions.delete(id)) throw new Error(`the ensemble has no session ${hex(id)}`);
    this.ensemble.log(`ensemble expires session ${hex(id)}`);
    const server = positional[0];
    if (server !== undefined) this.ensemble.refuse(this.ensemble.link(server, "open"), CloseReason.SESSION_EXPIRED, "session expired");
  }

  #state(): string {
    const c = this.#needClient();
    return `t=${this.clock.now()} ${c.state} session=${hex(c.sessionId)} timeout=${c.sessionTimeoutMs} lastZxidSeen=${c.lastZxidSeen}`;
  }
}

/** Lets every promise chain that can move without the clock move (no I/O here, so this is not a wait). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

const isWrite = (r: Request) => r.type === "create" || r.type === "setData" || r.type === "delete";

function responseTo(r: Request, zxid: bigint): Response {
  const stat = { ...EMPTY_STAT, mzxid: zxid };
  switch (r.type) {
    case "getData":
      return { type: "getData", data: new Uint8Array(0), stat };
    case "exists":
    case "setData":
      return { type: r.type, stat };
    case "getChildren":
      return { type: "getChildren", children: [] };
    case "create":
      return { type: "create", path: r.path, stat: { ...stat, czxid: zxid } };
    case "sync":
      return { type: "sync", path: r.path };
    case "ping":
    case "setWatches":
    case "closeSession":
    case "auth":
    case "delete":
      return { type: r.type };
    default:
      throw new Error(`the fake servers do not answer ${r.type}`);
  }
}

function describeEvent(e: WatchedEvent): string {
  return `${name(EventType, e.type)} ${e.path === "" ? "-" : e.path} state=${name(KeeperState, e.state)}`;
}

function describeResult(r: unknown): string {
  if (r === null) return "null";
  if (typeof r === "string") return r;
  if (Array.isArray(r)) return `[${r.join(",")}]`;
  if (typeof r === "object" && r !== null && "stat" in r) return `ok mzxid=${(r as { stat: { mzxid: bigint } }).stat.mzxid}`;
  if (typeof r === "object" && r !== null && "mzxid" in r) return `ok mzxid=${(r as { mzxid: bigint }).mzxid}`;
  return "ok";
}
