// The requests a server answers from its own state, at their turn in the session's order:
// reads of the local tree, ping, addAuth, whoAmI, getConfig, and the watch requests
// (setWatches with its replay of missed events, addWatch, removeWatches).
import {
  EncodeError,
  ErrorCode,
  EventType,
  KeeperState,
  WardenError,
  type ACL,
  type Request,
  type Response,
  type Stat,
  type WatchEvent,
} from "@warden/protocol";
import { userNameOf, type ReadRequest } from "@warden/tree";
import type { ClientConnection } from "../net/connection.js";
import type { Answer, LocalSession } from "./local-session.js";
import type { ServerContext } from "./context.js";
import { addAuth } from "./add-auth.js";

const CONFIG_PATH = "/zookeeper/config";

/** One connection's local requests (it holds whether the connection has resumed its watches). */
export class LocalRequests {
  /** This connection has had its one setWatches with resumeAfterZxid. */
  private resumed = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly connection: ClientConnection,
    /** Delivers a watch event to the session, if it may read the node (ClientHandler.deliver). */
    private readonly deliver: (event: WatchEvent, acl: readonly ACL[]) => void,
  ) {}

  /** The answer to a request this server answers from its own state. */
  answer(s: LocalSession, xid: number, request: Request): Answer {
    const { node } = this.ctx;
    const ok = (response: Response) => ({ xid, zxid: node.lastZxid, err: 0, response });
    try {
      switch (request.type) {
        case "ping":
          return ok({ type: "ping" });
        case "auth":
          return addAuth(s, xid, request.scheme, request.auth, this.connection, this.ctx.config);
        case "whoAmI":
          return ok({ type: "whoAmI", clientInfo: s.identities.map((id) => ({ scheme: id.scheme, id: userNameOf(id) })) });
        case "getConfig": {
          const r = node.tree.read({ type: "getData", path: CONFIG_PATH, watch: request.watch }, this.readContext(s)) as {
            data: Uint8Array;
            stat: Stat;
          };
          return ok({ type: "getConfig", data: r.data, stat: r.stat });
        }
        case "setWatches":
          // A replay costs up to the whole history: one per connection, as the client sends it.
          if (request.resumeAfterZxid !== undefined && this.resumed)
            return { xid, zxid: node.lastZxid, err: ErrorCode.BAD_ARGUMENTS, response: undefined };
          this.setWatches(s, request);
          return ok({ type: "setWatches" });
        case "addWatch":
          node.tree.watches.addWatch(s.sessionId, request.path, request.mode);
          return ok({ type: "addWatch" });
        case "removeWatches": {
          const w = node.tree.watches;
          const found = request.checkOnly
            ? w.containsWatch(s.sessionId, request.path, request.watcherType)
            : w.removeWatches(s.sessionId, request.path, request.watcherType);
          return found ? ok({ type: "removeWatches" }) : { xid, zxid: node.lastZxid, err: ErrorCode.NO_WATCHER, response: undefined };
        }
        default:
          return ok(node.tree.read(request as ReadRequest, this.readContext(s)));
      }
    } catch (e) {
      // A reply that would pass the client's frame limit was never built: refuse it.
      if (e instanceof EncodeError)
        return { xid, zxid: node.lastZxid, err: ErrorCode.MARSHALLING_ERROR, response: undefined, refused: e.message };
      if (e instanceof WardenError) return { xid, zxid: node.lastZxid, err: e.zkCode ?? ErrorCode.SYSTEM_ERROR, response: undefined };
      throw e;
    }
  }

  /**
   * Re-registers a returning session's watches. On the native port (resumeAfterZxid set)
   * its persistent and recursive watches first get, from this server's change history, every
   * event they missed, in zxid order, or EventsLost per watch path when the history is too
   * short; the one-shot catch-up events of ZooKeeper's rule follow, marked catchUp (on both
   * ports: the jute record drops the mark, so the ZooKeeper port is unchanged). All of it
   * is sent before the reply and before any later change is applied: nothing in between.
   */
  private setWatches(s: LocalSession, request: Extract<Request, { type: "setWatches" }>): void {
    const { node } = this.ctx;
    const resume = request.resumeAfterZxid;
    if (resume !== undefined) {
      this.resumed = true;
      const replayed = node.history.replay(s.sessionId, resume, request.persistentWatches, request.persistentRecursiveWatches);
      if (replayed === null) {
        const lost = new Set([...request.persistentWatches, ...request.persistentRecursiveWatches]);
        for (const path of lost)
          this.connection.sendEvent({ type: EventType.EventsLost, state: KeeperState.SyncConnected, path, zxid: node.lastZxid });
      } else {
        for (const f of replayed) this.deliver(f.event, f.acl);
      }
    }
    // The tree marks these events with ZooKeeper's zxid -1 ("no single change"); the
    // native protocol carries an unsigned zxid, so send the state they were judged at. The
    // catchUp mark is native only too (the jute record has no field for it). Every request
    // of a resuming client needs it, not only the first (the one with resumeAfterZxid).
    for (const e of node.tree.setWatches(s.sessionId, request)) {
      this.connection.sendEvent({ ...e, zxid: e.zxid < 0n ? node.lastZxid : e.zxid, catchUp: true });
    }
  }

  private readContext(s: LocalSession) {
    return { sessionId: s.sessionId, identities: s.identities, superuser: s.superuser, replyBytesMax: this.connection.replyBytesMax };
  }
}
