// The field cases in the native encoding: the request cases of field-cases.ts on a native
// session (their listings asked of the admin port), and frames over the limit.
import fc from "fast-check";
import type { Request } from "@warden/protocol";
import { family, type AnyFamily, type CaseContext, type InputEnv } from "../family.js";
import { RawTcp } from "../wire.js";
import { requestCaseFamilies, type RequestCase } from "./field-cases.js";
import { ANSWER_MS, nativeSession, observePing, requestFrame, trackReplies } from "./native-session.js";

/** How long a case with large fields waits for all its replies. */
const BIG_ANSWER_MS = 10_000;

const closedLabel = (code: number | undefined) => `closed${code ? ` ${code}` : ""}`;

/** A request case on a native session: pipelined, then the last reply awaited (or the connection held), then its listing from the admin port. */
async function runOnNative<P>(rc: RequestCase<P>, p: P, ctx: CaseContext): Promise<void> {
  const c = await nativeSession(ctx);
  if (!c) return;
  if (rc.unread?.(p)) c.stopReading();
  const requests = rc.requests(p, ctx);
  const replies = trackReplies(c);
  requests.forEach((r, i) => c.send(requestFrame(i + 1, r), true));
  if (rc.holdMs) {
    await ctx.hold(rc.holdMs(p));
    ctx.observe(c.closed ? closedLabel(c.closeCode) : c.framesReceived > 1 ? "replied" : "no reply");
  } else {
    await c.until(() => c.closed || replies.has(requests.length), BIG_ANSWER_MS);
    const err = replies.get(requests.length);
    ctx.observe(err === undefined ? (c.closed ? closedLabel(c.closeCode) : "no reply") : err === 0 ? "answered" : `error ${err}`);
    if (!c.closed) await observePing(ctx, c);
  }
  const word = rc.listing?.(p);
  if (word) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(1) });
    t.write(`GET /commands/${word} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    await t.closedWithin(2 * ANSWER_MS);
  }
}

function overFrame(p: { extraBytes: number; as: "create" | "setData" | "bytes" }, env: InputEnv): Uint8Array {
  const data = new Uint8Array(env.limits.frameBytesMax + p.extraBytes).fill(0x63);
  const path = `${env.fixture.writableParent}/0`;
  const req: Request =
    p.as === "create"
      ? { type: "create", path, data, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], mode: 0 }
      : { type: "setData", path, data, version: -1 };
  return p.as === "bytes" ? data : requestFrame(1, req);
}

const overFrameMax = family({
  name: "frame-over-max",
  weight: 1.5,
  about: "a frame of frameBytesMax + 1 to + 1 MiB, as a create, a setData or random bytes",
  params: fc.record({
    extraBytes: fc.constantFrom(1, 1_024, 64 * 1024, 1024 * 1024),
    as: fc.constantFrom<Array<"create" | "setData" | "bytes">>("create", "setData", "bytes"),
  }),
  input: (p, env) => [overFrame(p, env)],
  async run(p, ctx) {
    const c = await nativeSession(ctx);
    if (!c) return;
    c.send(overFrame(p, ctx), true);
    await observePing(ctx, c, 2 * ANSWER_MS);
  },
});

export const nativeFieldFamilies: readonly AnyFamily[] = [...requestCaseFamilies(runOnNative, requestFrame), overFrameMax];
