// A fake ensemble behind the client's Transport: no sockets and no timers. Every link the
// client opens waits until the test accepts or refuses it; every frame the client sends is
// decoded and written to the log; the servers answer only when the test tells them to. The
// sessions are the ensemble's (any server reattaches any live session, as in ZooKeeper).
import {
  CloseReason,
  NativeCodec,
  SESSION_PASSWORD_BYTES,
  type ClientFrame,
  type ConnectRequest,
  type Request,
  type ServerFrame,
} from "@warden/protocol";
import type { ConnectionHandlers, Transport } from "@warden/client";

export interface FakeSession {
  readonly id: bigint;
  readonly password: Uint8Array;
  timeoutMs: number;
}

/** One link the client opened to one server. */
export class FakeLink {
  state: "pending" | "open" | "closed" = "pending";
  /** The handshake the client sent on it, once sent. */
  connect: ConnectRequest | undefined;
  /** Requests received and not yet answered, oldest first. */
  readonly unanswered: { xid: number; request: Request }[] = [];
  session: FakeSession | undefined;

  constructor(
    readonly server: string,
    readonly handlers: ConnectionHandlers,
    private readonly ensemble: FakeEnsemble,
  ) {}

  accept(): void {
    this.#expect("pending", "accept");
    this.state = "open";
    this.handlers.onOpen();
  }

  /** The server's end closes: a refused connect (pending) or a dropped link (open). */
  close(reason: string): void {
    if (this.state === "closed") throw new Error(`the link to ${this.server} is already closed`);
    this.ensemble.log(`${this.server} closes the link: ${reason}`);
    this.state = "closed";
    this.handlers.onClose(reason);
  }

  send(frame: ServerFrame): void {
    this.#expect("open", `send a ${frame.kind} frame`);
    this.handlers.onMessage(this.ensemble.codec.encodeServerFrame(frame));
  }

  /** Receives what the client sent. */
  receive(bytes: Uint8Array): void {
    if (this.state !== "open") throw new Error(`the client wrote to ${this.server} on a ${this.state} link`);
    const frame: ClientFrame = this.ensemble.codec.decodeClientFrame(bytes);
    if (frame.kind === "connect") this.connect = frame.request;
    else this.unanswered.push({ xid: frame.xid, request: frame.request });
    this.ensemble.log(`${this.server} <- ${describeClientFrame(frame)}`);
  }

  #expect(state: FakeLink["state"], what: string): void {
    if (this.state !== state) throw new Error(`cannot ${what} on the ${this.state} link to ${this.server}`);
  }
}

export class FakeEnsemble implements Transport {
  readonly codec = new NativeCodec();
  readonly links: FakeLink[] = [];
  readonly sessions = new Map<bigint, FakeSession>();
  readonly #lines: string[] = [];
  #nextSessionId = 0x100n;

  constructor(private readonly now: () => number) {}

  open(url: string, handlers: ConnectionHandlers): { send(bytes: Uint8Array): void; close(): void } {
    const server = new URL(url).hostname;
    const link = new FakeLink(server, handlers, this);
    this.links.push(link);
    this.log(`client opens a link to ${server}`);
    return {
      send: (bytes) => link.receive(bytes),
      close: () => {
        if (link.state === "closed") return;
        link.state = "closed";
        this.log(`client closes its link to ${server}`);
      },
    };
  }

  log(line: string): void {
    this.#lines.push(`t=${this.now()} ${line}`);
  }

  /** The log lines since the last call. */
  take(): string[] {
    return this.#lines.splice(0);
  }

  /** The newest link to `server` that is not closed (or, for `pending`, still waiting). */
  link(server: string, state?: FakeLink["state"]): FakeLink {
    for (let i = this.links.length - 1; i >= 0; i--) {
      const l = this.links[i]!;
      if (l.server === server && l.state !== "closed" && (state === undefined || l.state === state)) return l;
    }
    throw new Error(`no ${state ?? "live"} link to ${server}`);
  }

  /**
   * Answers the link's handshake as a server does: a new session for id 0 (with the requested
   * timeout unless `timeoutMs` narrows it), the same session for a live id with its password,
   * and a sessionExpired close for one it does not know.
   */
  handshake(link: FakeLink, lastZxid: bigint, timeoutMs?: number): void {
    const c = link.connect;
    if (c === undefined) throw new Error(`the client sent no handshake to ${link.server}`);
    let session = c.sessionId === 0n ? undefined : this.sessions.get(c.sessionId);
    if (c.sessionId !== 0n && (session === undefined || !equalBytes(session.password, c.password))) {
      return this.refuse(link, CloseReason.SESSION_EXPIRED, `session 0x${c.sessionId.toString(16)} has expired`);
    }
    if (session === undefined) {
      const id = this.#nextSessionId++;
      session = { id, password: new Uint8Array(SESSION_PASSWORD_BYTES).fill(Number(id % 251n) + 1), timeoutMs: timeoutMs ?? c.timeoutMs };
      this.sessions.set(id, session);
    }
    link.session = session;
    this.log(`${link.server} -> connected session=${hex(session.id)} timeout=${session.timeoutMs} lastZxid=${lastZxid}`);
    link.send({
      kind: "connected",
      lastZxid,
      response: { protocolVersion: 0, timeoutMs: session.timeoutMs, sessionId: session.id, password: session.password, readOnly: false },
    });
  }

  /** A close frame, then the server ends the link. */
  refuse(link: FakeLink, reason: CloseReason, message: string): void {
    this.log(`${link.server} -> close ${reason}`);
    link.send({ kind: "close", reason, message });
    if (link.state !== "closed") link.close(`server closed: ${reason}`);
  }
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export const hex = (n: bigint) => `0x${n.toString(16)}`;

function describeClientFrame(frame: ClientFrame): string {
  if (frame.kind === "connect") {
    const r = frame.request;
    const password = r.password.every((b) => b === 0) ? "none" : `${Buffer.from(r.password.subarray(0, 2)).toString("hex")}..`;
    return `connect session=${hex(r.sessionId)} password=${password} timeout=${r.timeoutMs} lastZxidSeen=${r.lastZxidSeen}`;
  }
  return `xid=${frame.xid} ${describeRequest(frame.request)}`;
}

export function describeRequest(r: Request): string {
  if (r.type === "setWatches") {
    const lists = (
      [
        ["data", r.dataWatches],
        ["exist", r.existWatches],
        ["child", r.childWatches],
        ["persistent", r.persistentWatches],
        ["recursive", r.persistentRecursiveWatches],
      ] as const
    )
      .filter(([, paths]) => paths.length > 0)
      .map(([name, paths]) => `${name}=${paths.join(",")}`);
    return `setWatches relativeZxid=${r.relativeZxid} resumeAfterZxid=${r.resumeAfterZxid ?? "-"} ${lists.join(" ")}`;
  }
  const path = "path" in r ? ` ${r.path}` : "";
  const watch = "watch" in r && r.watch ? " watch" : "";
  return `${r.type}${path}${watch}`;
}
