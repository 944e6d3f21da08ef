// The session owner rule of the leader (ZooKeeper's SessionTrackerImpl.setOwner/checkSession,
// LearnerHandler REVALIDATE): a real WardenNode and tree, with what it would send, propose and
// answer recorded where server.ts would wire the network and the replica.
import { describe, expect, it } from "vitest";
import { ErrorCode, makeZxid } from "@warden/protocol";
import type { Entry, Status } from "@warden/consensus";
import { WardenNode, type NodeHooks, type ServerMessage } from "../src/core/node.js";
import type { LocalSession, Reply } from "../src/core/local-session.js";
import { encodeRecord } from "../src/core/record.js";

const SESSION = 0x200n;
const setData = { type: "setData" as const, path: "/", data: new Uint8Array([1]), version: -1 };

function status(id: number, role: Status["role"], leaderId: number | null, epoch: number): Status {
  return {
    id,
    role,
    leaderId,
    epoch,
    established: role === "leader",
    synced: role === "leader" || leaderId !== null,
    lastZxid: 0n,
    commitZxid: 0n,
    appliedZxid: 0n,
    durableZxid: 0n,
    electionCount: 0,
  };
}

/** Server `myId` of an ensemble, made leader of `epoch` (or a follower of leaderId). */
function server(myId: number, leaderId: number, epoch = 1) {
  const sent: Array<{ to: number; m: ServerMessage }> = [];
  const proposed: Entry[] = [];
  const ownCommitted: number[] = [];
  let last = makeZxid(epoch, 0);
  const consensus = { busy: false, appliedZxid: makeZxid(epoch, 0) };
  const hooks: NodeHooks = {
    myId,
    sendToPeer: (to, m) => void sent.push({ to, m }),
    propose: (payload) => {
      last += 1n;
      proposed.push({ zxid: last, payload });
      return { ok: true, zxid: last };
    },
    nextZxid: () => last + 1n,
    nowMs: () => 1_000,
    endSession: () => undefined,
    deliverEvent: () => undefined,
    sessionCreated: () => undefined,
    log: () => undefined,
    canPropose: () => !consensus.busy,
    appliedZxid: () => consensus.appliedZxid,
    proposalCommitted: (ms) => void ownCommitted.push(ms),
  };
  const node = new WardenNode(hooks, 100);
  node.statusChanged(status(myId, myId === leaderId ? "leader" : "follower", leaderId, epoch));
  /** The leader commits what it proposed (every server applies it). */
  const commitAll = () => node.applyCommitted(proposed.splice(0));
  const forward = (origin: number, cxid: number, request: Extract<ServerMessage, { type: "forward" }>["request"]) =>
    node.onServerMessage(origin, { type: "forward", origin, sessionId: SESSION, cxid, request, identities: [], superuser: false });
  return { node, sent, proposed, commitAll, forward, consensus, ownCommitted };
}

describe("the leader's session owner", () => {
  it("is the server that created the session: its writes are proposed, another server's fail with SESSION_MOVED", () => {
    const leader = server(1, 1);
    leader.forward(2, -10, { type: "createSession", timeoutMs: 4000 });
    leader.commitAll();
    expect(leader.node.tracker.get(SESSION)?.owner).toBe(2);

    leader.forward(2, 1, setData);
    expect(leader.proposed).toHaveLength(1);
    leader.forward(3, 2, setData);
    expect(leader.proposed).toHaveLength(1);
    expect(leader.sent).toEqual([{ to: 3, m: { type: "forward-failed", sessionId: SESSION, cxid: 2, err: ErrorCode.SESSION_MOVED } }]);
  });

  it("moves with a revalidation: the old server's writes then fail with SESSION_MOVED, the new one's are proposed", () => {
    const leader = server(1, 1);
    leader.forward(2, -10, { type: "createSession", timeoutMs: 4000 });
    leader.commitAll();
    leader.forward(3, -11, { type: "revalidate" });
    expect(leader.proposed).toHaveLength(0); // a revalidation is no transaction
    leader.forward(2, 5, setData);
    leader.forward(3, 5, setData);
    expect(leader.proposed).toHaveLength(1);
    expect(leader.sent).toEqual([{ to: 2, m: { type: "forward-failed", sessionId: SESSION, cxid: 5, err: ErrorCode.SESSION_MOVED } }]);
    // A multi too (ZOOKEEPER-2886: a client sending only multis must not stay on the wrong server).
    leader.forward(2, 7, { type: "multi", ops: [setData] });
    expect(leader.sent.at(-1)).toEqual({ to: 2, m: { type: "forward-failed", sessionId: SESSION, cxid: 7, err: ErrorCode.SESSION_MOVED } });
    expect(leader.proposed).toHaveLength(1);
    // closeSession is not checked (ZooKeeper's expirer closes sessions it does not own).
    leader.forward(2, 6, { type: "closeSession" });
    expect(leader.proposed).toHaveLength(2);
  });

  it("moves at once with a revalidation, even behind writes waiting for consensus (as ZooKeeper's LearnerHandler sets the owner on REVALIDATE)", () => {
    const leader = server(1, 1);
    const replies: Reply[] = [];
    leader.forward(1, -10, { type: "createSession", timeoutMs: 4000 });
    leader.commitAll();
    leader.consensus.busy = true;
    const session = { sessionId: SESSION, identities: [], superuser: false, connection: undefined } as unknown as LocalSession;
    leader.node.submitWrite(session, 1, setData, (r) => void replies.push(r)); // waits: consensus is busy
    leader.forward(2, -11, { type: "revalidate" });
    expect(leader.node.tracker.get(SESSION)?.owner).toBe(2);
    expect(leader.node.readRefusal(SESSION)).toBe(ErrorCode.SESSION_MOVED);
    // The old server's write, still waiting, is refused when its turn comes.
    leader.consensus.busy = false;
    leader.node.applyCommitted([]);
    expect(leader.proposed).toHaveLength(0);
    expect(replies).toMatchObject([{ xid: 1, err: ErrorCode.SESSION_MOVED, thenClose: "sessionMoved" }]);
  });

  it("refuses a write of a session it is expiring with SESSION_EXPIRED, as ZooKeeper's checkSession does for a closing session", () => {
    const leader = server(1, 1);
    leader.forward(2, -10, { type: "createSession", timeoutMs: 4000 });
    leader.commitAll();
    leader.node.tracker.setClosing(SESSION);
    leader.forward(2, 3, setData);
    expect(leader.proposed).toHaveLength(0);
    expect(leader.sent).toEqual([{ to: 2, m: { type: "forward-failed", sessionId: SESSION, cxid: 3, err: ErrorCode.SESSION_EXPIRED } }]);
  });

  it("answers a read of a session it is expiring with SESSION_EXPIRED, as ZooKeeper's leader checks reads in PrepRequestProcessor", () => {
    const leader = server(1, 1);
    leader.forward(1, -10, { type: "createSession", timeoutMs: 4000 });
    leader.commitAll();
    expect(leader.node.readRefusal(SESSION)).toBeUndefined();
    leader.node.tracker.setClosing(SESSION);
    expect(leader.node.readRefusal(SESSION)).toBe(ErrorCode.SESSION_EXPIRED);
  });

  it("checks the leader's own requests too: a session moved from the leader to a follower has moved away from it", () => {
    const leader = server(1, 1);
    leader.forward(1, -10, { type: "createSession", timeoutMs: 4000 });
    leader.commitAll();
    expect(leader.node.readRefusal(SESSION)).toBeUndefined();
    leader.forward(2, -11, { type: "revalidate" });
    expect(leader.node.readRefusal(SESSION)).toBe(ErrorCode.SESSION_MOVED);
  });

  it("is unknown to a new leader until a server revalidates the session or sends one of its requests", () => {
    const old = server(1, 1);
    old.forward(2, -10, { type: "createSession", timeoutMs: 4000 });
    const created = old.proposed.slice();
    old.commitAll();
    // Server 3 applied the same createSession as a follower, then became leader of epoch 2.
    const next = server(3, 1, 2);
    next.node.applyCommitted(created);
    next.node.statusChanged(status(3, "leader", 3, 2));
    expect(next.node.tracker.get(SESSION)?.owner).toBeNull();
    next.forward(2, -11, { type: "revalidate" });
    expect(next.node.tracker.get(SESSION)?.owner).toBe(2);
  });

  it("takes the revalidations that waited for it to lead when it starts leading, before any later one", () => {
    const old = server(1, 1);
    old.forward(2, -10, { type: "createSession", timeoutMs: 4000 });
    const created = old.proposed.slice();
    const next = server(3, 1, 2);
    next.node.applyCommitted(created);
    next.consensus.appliedZxid = makeZxid(2, 0) - 1n; // its epoch barrier is not applied yet
    next.node.statusChanged(status(3, "leader", 3, 2));
    next.forward(2, -11, { type: "revalidate" }); // waits: not leading yet
    next.consensus.busy = true;
    next.consensus.appliedZxid = makeZxid(2, 0);
    next.node.applyCommitted([]); // now leading, consensus still busy
    expect(next.node.tracker.get(SESSION)?.owner).toBe(2);
    next.forward(1, -11, { type: "revalidate" });
    next.consensus.busy = false;
    next.node.applyCommitted([]);
    expect(next.node.tracker.get(SESSION)?.owner).toBe(1);
  });
});

describe("a follower whose session moved", () => {
  it("answers the refused write SESSION_MOVED and ends the connection with it", () => {
    const follower = server(2, 1);
    const replies: Reply[] = [];
    const session = { sessionId: SESSION, identities: [], superuser: false, connection: undefined } as unknown as LocalSession;
    follower.node.submitWrite(session, 7, setData, (r) => void replies.push(r));
    expect(follower.sent.map((s) => s.to)).toEqual([1]);
    follower.node.onServerMessage(1, { type: "forward-failed", sessionId: SESSION, cxid: 7, err: ErrorCode.SESSION_MOVED });
    expect(replies).toMatchObject([{ xid: 7, err: ErrorCode.SESSION_MOVED, thenClose: "sessionMoved" }]);
  });

  it("sends a reattached session's revalidation to the leader ahead of its writes", () => {
    const follower = server(2, 1);
    const session = { sessionId: SESSION, identities: [], superuser: false, connection: undefined } as unknown as LocalSession;
    follower.node.submitRevalidate(SESSION);
    follower.node.submitWrite(session, 1, setData, () => undefined);
    expect(follower.sent.map(({ to, m }) => [to, m.type === "forward" ? m.request.type : m.type])).toEqual([
      [1, "revalidate"],
      [1, "setData"],
    ]);
  });
});

describe("a committed write finds its request by (session, xid) only on the server that forwarded it", () => {
  it("a follower's pending write is not answered by the same (session, xid) written through another server", () => {
    const leader = server(1, 1);
    const follower = server(2, 1);
    leader.forward(3, -10, { type: "createSession", timeoutMs: 4000 });
    const created = leader.proposed.slice();
    leader.commitAll();
    follower.node.applyCommitted(created);
    // The session's old connection (on server 3) wrote with xid 1; it commits while its new
    // connection, here on server 2, has its own xid 1 waiting (a client that restarted its xids).
    const replies: Reply[] = [];
    const session = { sessionId: SESSION, identities: [], superuser: false, connection: undefined } as unknown as LocalSession;
    follower.node.submitWrite(session, 1, setData, (r) => void replies.push(r));
    leader.forward(3, 1, {
      type: "create",
      path: "/from-3",
      data: new Uint8Array(0),
      acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
      mode: 0,
    });
    const fromThree = leader.proposed.slice();
    leader.commitAll();
    follower.node.applyCommitted(fromThree);
    expect(replies).toEqual([]);
    // Its own write, forwarded by server 2 (which the session has moved to), answers it.
    leader.forward(2, -11, { type: "revalidate" });
    const forwarded = follower.sent.find((s) => s.m.type === "forward" && s.m.cxid === 1)!;
    leader.node.onServerMessage(2, forwarded.m);
    const own = leader.proposed.slice();
    leader.commitAll();
    follower.node.applyCommitted(own);
    expect(replies).toMatchObject([{ xid: 1, err: ErrorCode.OK, response: { type: "setData" } }]);
  });
});

describe("the leader's in-flight proposals", () => {
  it("are matched to their commits in zxid order; entries it did not propose leave them waiting", () => {
    const leader = server(1, 1, 2);
    leader.forward(2, -10, { type: "createSession", timeoutMs: 4000 });
    leader.commitAll();
    expect(leader.ownCommitted).toHaveLength(1);
    for (let cxid = 1; cxid <= 3; cxid++) leader.forward(2, cxid, setData);
    const [a, b, c] = leader.proposed.splice(0);
    // Entries below them that this leader did not propose (the last epoch's, committed by its
    // barrier) and entries without a payload (a barrier, a configuration) match no proposal.
    const earlierTxn = { zxid: makeZxid(1, 7), timeMs: 1, sessionId: SESSION, body: { ...setData, version: 0 } };
    const earlier = { zxid: earlierTxn.zxid, payload: encodeRecord(1, earlierTxn, 3) };
    leader.node.applyCommitted([{ zxid: makeZxid(2, 0), payload: null }, earlier]);
    expect(leader.ownCommitted).toHaveLength(1);
    leader.node.applyCommitted([a!, b!]);
    leader.node.applyCommitted([c!]);
    expect(leader.ownCommitted).toHaveLength(4);
  });
});
