// Requests answered before they are queued: those a read-only session may not make, and
// those refused for their shape (bad path, too many ops or watches, a reply too large).
import { ErrorCode, type Request } from "@warden/protocol";
import type { ClientConnection } from "../net/connection.js";
import type { Answer, LocalSession } from "./local-session.js";
import type { ServerContext } from "./context.js";
import { MULTI_READ_OPS_MAX, requestPathProblem, watchedPaths } from "./request-checks.js";
import { refusedReadOnly } from "./read-only.js";

/** A read-only session's writes and syncs: NOT_READONLY; its closeSession: closed here, nothing committed. */
export function readOnlyAnswer(ctx: ServerContext, s: LocalSession, xid: number, request: Request): Answer | undefined {
  const zxid = ctx.node.lastZxid;
  if (refusedReadOnly(request)) return { xid, zxid, err: ErrorCode.NOT_READONLY, response: undefined };
  if (request.type !== "closeSession") return undefined;
  ctx.readOnly?.remove(s.sessionId);
  return { xid, zxid, err: 0, response: { type: "closeSession" }, thenClose: "sessionClosed" };
}

/** The answer to a request refused before it is queued (bad path, too many ops or watches, a reply too large), or undefined. */
export function refusal(
  ctx: ServerContext,
  connection: Pick<ClientConnection, "multiReplyBytesMax" | "replyBytesMax">,
  s: LocalSession,
  xid: number,
  request: Request,
): Answer | undefined {
  const zxid = ctx.node.lastZxid;
  const refuse = (err: number): Answer => ({ xid, zxid, err, response: undefined });
  if (requestPathProblem(request) !== undefined) return refuse(ErrorCode.BAD_ARGUMENTS);
  if (request.type === "multiRead" && request.ops.length > MULTI_READ_OPS_MAX) return refuse(ErrorCode.BAD_ARGUMENTS);
  if (request.type === "multi") {
    const bytes = connection.multiReplyBytesMax(xid, request.ops);
    if (bytes > connection.replyBytesMax)
      return {
        ...refuse(ErrorCode.MARSHALLING_ERROR),
        refused: `the reply to a multi of ${request.ops.length} ops could take ${bytes} bytes`,
      };
  }
  const watching = watchedPaths(request);
  if (watching.length > 0) {
    const w = ctx.node.tree.watches;
    const fresh = new Set(watching.filter((p) => !w.watchesPath(s.sessionId, p))).size;
    if (fresh > 0 && w.pathCountOf(s.sessionId) + fresh > ctx.config.watchesPerSessionMax) return refuse(ErrorCode.THROTTLED);
  }
  return undefined;
}
