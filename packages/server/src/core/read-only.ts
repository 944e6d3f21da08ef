// ZooKeeper's read-only mode (readonlymode.enabled). A server of an ensemble that has looked
// for a leader for max(2000 ms, tickTime) (QuorumPeer's grace before it starts its
// ReadOnlyZooKeeperServer) serves reads from its last applied tree to clients that connected
// with canBeReadOnly. It never proposes: writes and sync are answered NOT_READONLY
// (ReadOnlyRequestProcessor). Its sessions are local: never committed, unknown to every other
// server, expired here after their own timeout. A session of the quorum cannot reattach here
// (ZooKeeper's validateSession in read-only mode), nor can a client without canBeReadOnly.
// When an election ends (this server leads or follows again) read-only serving stops and its
// connections are closed, as ZooKeeper's shutdown of the read-only server closes them, so the
// clients move to a read-write server.
import { CloseReason, formatZxid, type ConnectRequest, type Request } from "@warden/protocol";
import { negotiateTimeoutMs } from "../session/tracker.js";
import { samePassword } from "./session-ids.js";

/** QuorumPeer's lower bound of the grace period: max(2000 ms, tickTime). */
export const READ_ONLY_GRACE_MS_MIN = 2000;
/** Read-only sessions one server holds at most (attached or waiting for their client to come back). */
export const READ_ONLY_SESSIONS_MAX = 100_000;

export interface ReadOnlyHooks {
  nowMs(): number;
  log(line: string): void;
  /** No election has ended with this server leading or following a leader (ZooKeeper's LOOKING). */
  looking(): boolean;
  /** Read-only serving stopped: these sessions' connections end. */
  ended(sessionIds: bigint[]): void;
  /** A read-only session passed its timeout without a touch. */
  expired(sessionId: bigint): void;
}

interface ReadOnlySession {
  timeoutMs: number;
  deadlineMs: number;
}

export class ReadOnlyMode {
  private lookingSinceMs: number | undefined;
  private on = false;
  private readonly sessions = new Map<bigint, ReadOnlySession>();

  constructor(
    readonly enabled: boolean,
    readonly graceMs: number,
    private readonly hooks: ReadOnlyHooks,
  ) {}

  /** Serving read-only clients now. */
  get active(): boolean {
    return this.on;
  }
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Every tick and at every change of the consensus status. */
  update(): void {
    if (!this.enabled) return;
    const now = this.hooks.nowMs();
    if (!this.hooks.looking()) {
      this.lookingSinceMs = undefined;
      if (this.on) this.stop();
      return;
    }
    this.lookingSinceMs ??= now;
    if (!this.on && now - this.lookingSinceMs >= this.graceMs) {
      this.on = true;
      this.hooks.log(`read-only mode: no leader for ${now - this.lookingSinceMs} ms; serving reads to read-only clients`);
    }
    if (this.on) this.expire(now);
  }

  private stop(): void {
    this.on = false;
    const ids = [...this.sessions.keys()];
    this.sessions.clear();
    this.hooks.log(`read-only mode ends: an election ended; closing ${ids.length} read-only sessions`);
    this.hooks.ended(ids);
  }

  private expire(now: number): void {
    for (const [id, s] of this.sessions) {
      if (s.deadlineMs > now) continue;
      this.sessions.delete(id);
      this.hooks.log(`read-only session 0x${id.toString(16)} expired`);
      this.hooks.expired(id);
    }
  }

  has(sessionId: bigint): boolean {
    return this.sessions.has(sessionId);
  }

  /** A new local session, or false at the bound. */
  add(sessionId: bigint, timeoutMs: number): boolean {
    if (this.sessions.size >= READ_ONLY_SESSIONS_MAX) return false;
    this.sessions.set(sessionId, { timeoutMs, deadlineMs: this.hooks.nowMs() + timeoutMs });
    return true;
  }

  touch(sessionId: bigint): void {
    const s = this.sessions.get(sessionId);
    if (s) s.deadlineMs = this.hooks.nowMs() + s.timeoutMs;
  }

  timeoutOf(sessionId: bigint): number | undefined {
    return this.sessions.get(sessionId)?.timeoutMs;
  }

  /** closeSession of a read-only session: processed here, nothing is committed. */
  remove(sessionId: bigint): void {
    this.sessions.delete(sessionId);
  }
}

/** What a read-only server does with a handshake: open (a new or a known local session) or refuse. */
export type ReadOnlyConnect =
  | { open: true; sessionId: bigint; timeoutMs: number; created: boolean }
  | { open: false; reason: CloseReason; message: string; lastZxid?: bigint };

export interface ReadOnlyConnectContext {
  lastZxid: bigint;
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** A session of the replicated tree (the quorum's). */
  globalSession(sessionId: bigint): boolean;
  /** The session's password; undefined while the ensemble has no session secret. */
  password(sessionId: bigint): Uint8Array | undefined;
  takeSessionId(): bigint;
}

/** ZooKeeper's processConnectRequest on a ReadOnlyZooKeeperServer, with local sessions. */
export function readOnlyConnect(ro: ReadOnlyMode, req: ConnectRequest, c: ReadOnlyConnectContext): ReadOnlyConnect {
  const refuse = (reason: CloseReason, message: string): ReadOnlyConnect => ({ open: false, reason, message });
  if (!req.readOnly)
    return refuse(
      CloseReason.NOT_SERVING,
      "this server is read-only (it has no quorum) and the client did not allow read-only (canBeReadOnly); try another server",
    );
  if (req.lastZxidSeen > c.lastZxid) {
    const message = `the client has seen zxid ${formatZxid(req.lastZxidSeen)}, this read-only server only ${formatZxid(c.lastZxid)}; try another server`;
    return { open: false, reason: CloseReason.ZXID_BEHIND, message, lastZxid: c.lastZxid };
  }
  if (req.sessionId === 0n) {
    const sessionId = c.takeSessionId();
    if (c.password(sessionId) === undefined)
      return refuse(CloseReason.NOT_SERVING, "the ensemble has not committed its session secret yet; try again");
    const timeoutMs = negotiateTimeoutMs(req.timeoutMs, c.sessionTimeoutMsMin, c.sessionTimeoutMsMax);
    if (!ro.add(sessionId, timeoutMs))
      return refuse(CloseReason.NOT_SERVING, `this read-only server holds ${READ_ONLY_SESSIONS_MAX} sessions; try another server`);
    return { open: true, sessionId, timeoutMs, created: true };
  }
  if (c.globalSession(req.sessionId))
    return refuse(
      CloseReason.NOT_SERVING,
      `session 0x${req.sessionId.toString(16)} belongs to the quorum and cannot reattach to a read-only server; try another server`,
    );
  const password = c.password(req.sessionId);
  const timeoutMs = ro.timeoutOf(req.sessionId);
  if (timeoutMs === undefined || password === undefined || !samePassword(req.password, password)) {
    return refuse(CloseReason.SESSION_EXPIRED, `session 0x${req.sessionId.toString(16)} has expired or its password is wrong`);
  }
  ro.touch(req.sessionId);
  return { open: true, sessionId: req.sessionId, timeoutMs, created: false };
}

/**
 * ReadOnlyRequestProcessor's filter: every write and sync is answered NOT_READONLY; closeSession
 * of a local session is not (the caller closes it here).
 */
export function refusedReadOnly(request: Request): boolean {
  switch (request.type) {
    case "create":
    case "delete":
    case "setData":
    case "setACL":
    case "check":
    case "multi":
    case "sync":
    case "reconfig":
      return true;
    default:
      return false;
  }
}

/** ZooKeeper's LOOKING: no status yet, or neither leading nor following a leader. */
export function lookingForLeader(status: { role: string; leaderId: number | null } | undefined): boolean {
  return status === undefined || (status.role !== "leader" && status.leaderId === null);
}
