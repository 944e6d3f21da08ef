// Stage: replies. A local session's write waits here, at the server holding the session, for
// its commit (answered by the apply stage) or its failure (forward-failed, a lost leader).
import { ErrorCode, errorCodeName } from "@warden/protocol";
import type { LocalSession, Reply } from "../local-session.js";
import { CREATE_SESSION_CXID, REVALIDATE_CXID } from "./messages.js";

interface PendingWrite {
  session: LocalSession;
  cxid: number;
  complete: (reply: Reply) => void;
}

export class PendingReplies {
  /** By session, then cxid: no key is built per write (a bigint's decimal string cost more than the lookups). */
  private readonly writes = new Map<bigint, Map<number, PendingWrite>>();
  private count = 0;

  constructor(private readonly hooks: { endSession(sessionId: bigint, reason: "sessionClosed"): void; log(line: string): void }) {}

  get size(): number {
    return this.count;
  }

  add(session: LocalSession, cxid: number, complete: (reply: Reply) => void): void {
    let bySession = this.writes.get(session.sessionId);
    if (bySession === undefined) this.writes.set(session.sessionId, (bySession = new Map()));
    if (!bySession.has(cxid)) this.count++;
    bySession.set(cxid, { session, cxid, complete });
  }

  /** Drops a write that will never be answered (its connection is gone). */
  forget(sessionId: bigint, cxid: number): void {
    this.remove(sessionId, cxid);
  }

  /** Whether a write waits here for (session, cxid). */
  waits(sessionId: bigint, cxid: number): boolean {
    return this.writes.get(sessionId)?.has(cxid) === true;
  }

  /** The waiting write for (session, cxid), removed; undefined when none waits here. */
  take(sessionId: bigint, cxid: number): ((reply: Reply) => void) | undefined {
    return this.remove(sessionId, cxid)?.complete;
  }

  private remove(sessionId: bigint, cxid: number): PendingWrite | undefined {
    const bySession = this.writes.get(sessionId);
    const p = bySession?.get(cxid);
    if (p === undefined) return undefined;
    bySession!.delete(cxid);
    if (bySession!.size === 0) this.writes.delete(sessionId);
    this.count--;
    return p;
  }

  /** A request of this server failed before it committed; `lastZxid` labels the error reply. */
  fail(sessionId: bigint, cxid: number, err: number, lastZxid: bigint): void {
    if (cxid === CREATE_SESSION_CXID) return this.hooks.endSession(sessionId, "sessionClosed");
    // A revalidation lost with its leader: the next leader learns the owner from the next request.
    if (cxid === REVALIDATE_CXID) return;
    const p = this.remove(sessionId, cxid);
    if (!p) return;
    if (err === ErrorCode.CONNECTION_LOSS) {
      // The client cannot know whether the write happened: end the connection, as ZooKeeper does.
      this.hooks.log(`write 0x${sessionId.toString(16)}:${cxid} lost its leader (${errorCodeName(err)}); closing the connection`);
      p.session.connection?.close("notServing", "the leader changed; reconnect");
      return;
    }
    // The session reattached to another server: ZooKeeper ends this connection at the request's turn.
    const thenClose = err === ErrorCode.SESSION_MOVED ? "sessionMoved" : undefined;
    p.complete({ xid: cxid, zxid: lastZxid, err, response: undefined, thenClose, startedMs: 0, op: "" });
  }

  /** Every waiting write fails with CONNECTION_LOSS (their leader is gone). */
  failAll(lastZxid: bigint): void {
    const all = [...this.writes.values()].flatMap((bySession) => [...bySession.values()]);
    for (const p of all) this.fail(p.session.sessionId, p.cxid, ErrorCode.CONNECTION_LOSS, lastZxid);
  }

  clear(): void {
    this.writes.clear();
    this.count = 0;
  }
}
