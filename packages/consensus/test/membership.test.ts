import { describe, expect, it } from "vitest";
import { makeZxid } from "@warden/protocol";
import { ConsensusConfigError, HOST_DATA_BYTES_MAX, Replica } from "../src/index.js";
import type { Entry, Membership, Ready } from "../src/index.js";

const z = makeZxid;
const config = (zxid: bigint, voters: number[], observers: number[] = []): Entry => ({
  zxid,
  payload: null,
  membership: { version: zxid, voters, observers },
});

function drain(r: Replica): Ready[] {
  const out: Ready[] = [];
  while (r.hasReady()) {
    const rd = r.ready();
    r.advance(rd);
    const last = rd.entries.at(-1)?.zxid ?? rd.snapshot?.zxid;
    if (last !== undefined) r.persisted(last);
    out.push(rd);
  }
  return out;
}

/** Server 1, restarted with {1,2,3} -> {1,4,5} in its log, not known committed. */
function joint(): Replica {
  const r = new Replica({
    id: 1,
    voters: [1, 2, 3],
    random: 3,
    hardState: { epoch: 1, votedFor: null },
    entries: [{ zxid: z(1, 0), payload: null }, config(z(1, 1), [1, 4, 5])],
  });
  drain(r);
  return r;
}

describe("a change in flight: quorums of the old and the new voters", () => {
  it("a candidate whose log holds an uncommitted configuration needs a quorum of both", () => {
    const r = joint();
    expect(r.membership()).toEqual({
      committed: { version: 0n, voters: [1, 2, 3], observers: [] },
      pending: { version: z(1, 1), voters: [1, 4, 5], observers: [] },
    });
    r.campaign();
    const asked = drain(r)
      .flatMap((rd) => rd.messages)
      .map((m) => m.to)
      .sort();
    expect(asked).toEqual([2, 3, 4, 5]);
    for (const from of [2, 3]) r.step({ type: "prevote-response", from, to: 1, epoch: 2, granted: true });
    drain(r);
    expect(r.role).toBe("follower"); // the old quorum alone does not start the election
    r.step({ type: "prevote-response", from: 4, to: 1, epoch: 2, granted: true });
    drain(r);
    expect(r.status()).toMatchObject({ role: "candidate", epoch: 2 });
    for (const from of [4, 5]) r.step({ type: "vote-response", from, to: 1, epoch: 2, granted: true });
    drain(r);
    expect(r.role).toBe("candidate"); // the new quorum alone does not win it
    r.step({ type: "vote-response", from: 2, to: 1, epoch: 2, granted: true });
    drain(r);
    expect(r.role).toBe("leader");
  });

  it("the leader commits only what a quorum of each configuration holds, then reports the change", () => {
    const r = joint();
    r.campaign();
    for (const from of [2, 4]) r.step({ type: "prevote-response", from, to: 1, epoch: 2, granted: true });
    for (const from of [2, 4]) r.step({ type: "vote-response", from, to: 1, epoch: 2, granted: true });
    drain(r);
    expect(r.role).toBe("leader");
    const ack = (from: number) =>
      r.step({
        type: "append-response",
        from,
        to: 1,
        epoch: 2,
        success: true,
        matchZxid: z(2, 0),
        acceptedZxid: z(2, 0),
        rejectedPrevZxid: 0n,
        hintZxid: 0n,
      });
    ack(4);
    ack(5);
    expect(r.commitZxid).toBe(0n); // {1,4,5} holds it, {1,2,3} does not
    ack(2);
    expect(r.commitZxid).toBe(z(2, 0));
    const changes = drain(r)
      .map((rd) => rd.membership)
      .filter((m) => m !== null);
    expect(changes).toEqual([{ committed: { version: z(1, 1), voters: [1, 4, 5], observers: [] }, pending: null }]);
  });

  it("a server restarted from a snapshot's configuration uses it, not the initial one", () => {
    const stored: Membership = { version: z(3, 7), voters: [4, 5, 6], observers: [1] };
    const r = new Replica({ id: 1, voters: [1, 2, 3], membership: stored, appliedZxid: z(3, 9), hardState: { epoch: 3, votedFor: null } });
    expect(r.membership()).toEqual({ committed: stored, pending: null });
    expect(r.role).toBe("observer");
    for (let i = 0; i < 100; i++) r.tick();
    expect(drain(r).flatMap((rd) => rd.messages)).toEqual([]); // an observer never campaigns
  });

  it("an id outside the configuration is refused unless the server is joining", () => {
    expect(() => new Replica({ id: 9, voters: [1, 2, 3] })).toThrow(ConsensusConfigError);
    const r = new Replica({ id: 9, voters: [1, 2, 3], joining: true });
    expect(r.role).toBe("observer");
    expect(() => new Replica({ id: 1, voters: [1], membership: { version: 1n, voters: [], observers: [] } })).toThrow(
      /stored configuration is not valid/,
    );
  });

  it("the host's data travels with a configuration untouched, and is bounded", () => {
    const r = joint();
    r.campaign();
    for (const from of [2, 4]) r.step({ type: "prevote-response", from, to: 1, epoch: 2, granted: true });
    for (const from of [2, 4]) r.step({ type: "vote-response", from, to: 1, epoch: 2, granted: true });
    drain(r);
    for (const from of [2, 4, 5])
      r.step({
        type: "append-response",
        from,
        to: 1,
        epoch: 2,
        success: true,
        matchZxid: z(2, 0),
        acceptedZxid: z(2, 0),
        rejectedPrevZxid: 0n,
        hintZxid: 0n,
      });
    drain(r);
    expect(r.proposeMembership({ voters: [1, 4, 5], hostData: new Uint8Array(HOST_DATA_BYTES_MAX + 1) }).ok).toBe(false);
    const hostData = new TextEncoder().encode("server.1=a:1:2\nserver.4=b:1:2\nserver.5=c:1:2");
    const res = r.proposeMembership({ voters: [1, 4, 5], hostData });
    expect(res.ok).toBe(true);
    const rds = drain(r);
    const entry = rds.flatMap((rd) => rd.entries).find((e) => e.membership !== undefined);
    expect(entry?.membership?.hostData).toEqual(hostData);
    const sent = rds
      .flatMap((rd) => rd.messages)
      .filter((m) => m.type === "append")
      .flatMap((m) => (m.type === "append" ? m.entries : []));
    expect(sent.find((e) => e.membership !== undefined)?.membership?.hostData).toEqual(hostData);
    expect(r.membership().pending?.hostData).toEqual(hostData);
  });
});
