import { describe, expect, it } from "vitest";
import { ConsensusConfigError, PeerMessageRefusedError, Replica } from "../src/index.js";
import type { Ready } from "../src/index.js";
import { EPOCH_MAX } from "@warden/protocol";

function configError(f: () => unknown): ConsensusConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConsensusConfigError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("configuration is refused at start with a clear, typed error", () => {
  it("an even number of voters", () => {
    const e = configError(() => new Replica({ id: 1, voters: [1, 2] }));
    expect(e.reason).toBe("WARDEN_ERR_CONFIG_EVEN_VOTERS");
    expect(e.message).toMatch(/must be odd/);
    expect(e.code).toBe("WARDEN_ERR_CONFIG_EVEN_VOTERS");
    expect(e.zkCode).toBe(-8); // BAD_ARGUMENTS
    // Unless the configuration is one a membership change made.
    expect(new Replica({ id: 1, voters: [1, 2], evenVoters: true }).membership().committed.voters).toEqual([1, 2]);
  });
  it("duplicate ids, a voter that is also an observer, an id outside the ensemble", () => {
    expect(configError(() => new Replica({ id: 1, voters: [1, 1, 2] })).reason).toBe("WARDEN_ERR_CONFIG_DUPLICATE_ID");
    expect(configError(() => new Replica({ id: 1, voters: [1, 2, 3], observers: [3] })).reason).toBe("WARDEN_ERR_CONFIG_OVERLAP");
    expect(configError(() => new Replica({ id: 9, voters: [1, 2, 3] })).reason).toBe("WARDEN_ERR_CONFIG_SELF");
    expect(configError(() => new Replica({ id: 1, voters: [] })).reason).toBe("WARDEN_ERR_CONFIG_NO_VOTERS");
  });
  it("heartbeats no faster than the election timeout", () => {
    expect(configError(() => new Replica({ id: 1, voters: [1], electionTicks: 3, heartbeatTicks: 3 })).reason).toBe(
      "WARDEN_ERR_CONFIG_TICKS",
    );
  });
});

/** Handle one Ready as a host would, persisting everything at once. */
function handle(r: Replica): Ready {
  const rd = r.ready();
  r.advance(rd);
  const last = rd.entries.at(-1)?.zxid;
  if (last !== undefined) r.persisted(last);
  return rd;
}

describe("a standalone server (one voter)", () => {
  it("elects itself and commits only after its own entries are durable", () => {
    const r = new Replica({ id: 1, voters: [1], random: 7 });
    r.campaign();
    expect(r.role).toBe("leader");
    expect(r.propose(new Uint8Array([1])).ok).toBe(false); // barrier not durable yet: not ready
    const first = r.ready();
    expect(first.hardState).toEqual({ epoch: 1, votedFor: 1 });
    expect(first.committed).toEqual([]);
    r.advance(first);
    r.persisted(first.entries.at(-1)!.zxid);
    const second = handle(r);
    expect(second.committed.map((e) => e.payload)).toEqual([null]);
    const p = r.propose(new Uint8Array([1]));
    expect(p).toEqual({ ok: true, zxid: (1n << 32n) | 1n });
  });

  it("refuses proposals beyond inflightProposalsMax with 'busy'", () => {
    const r = new Replica({ id: 1, voters: [1], inflightProposalsMax: 2 });
    r.campaign();
    handle(r);
    handle(r);
    expect(r.propose(new Uint8Array([1])).ok).toBe(true);
    expect(r.propose(new Uint8Array([2])).ok).toBe(true);
    expect(r.propose(new Uint8Array([3]))).toMatchObject({ ok: false, reason: "busy" });
  });

  it("restarts from durable state without voting twice in an epoch", () => {
    const r = new Replica({ id: 2, voters: [1, 2, 3], hardState: { epoch: 4, votedFor: 3 } });
    r.step({ type: "vote-request", from: 1, to: 2, epoch: 4, lastZxid: 0n });
    const rd = r.ready();
    expect(rd.messages).toEqual([{ type: "vote-response", from: 2, to: 1, epoch: 4, granted: false }]);
  });
});

describe("pre-vote and leader stickiness", () => {
  const drain = (r: Replica): Ready[] => {
    const out: Ready[] = [];
    while (r.hasReady()) out.push(handle(r));
    return out;
  };
  const sent = (rds: Ready[]) => rds.flatMap((rd) => rd.messages);
  const follower = (): Replica => {
    const r = new Replica({ id: 2, voters: [1, 2, 3], random: 7 });
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: 0n, entries: [], commitZxid: 0n });
    drain(r);
    return r;
  };

  it("granting a pre-vote changes nothing on the voter: no epoch, no vote, no durable write", () => {
    const r = new Replica({ id: 2, voters: [1, 2, 3] });
    drain(r);
    r.step({ type: "prevote-request", from: 3, to: 2, epoch: 5, lastZxid: 0n });
    const rds = drain(r);
    expect(sent(rds)).toEqual([{ type: "prevote-response", from: 2, to: 3, epoch: 5, granted: true }]);
    expect(rds.every((rd) => rd.hardState === null)).toBe(true);
    expect(r.epoch).toBe(0);
  });

  it("a follower that hears its leader refuses pre-votes and ignores vote requests of a higher epoch", () => {
    const r = follower();
    r.step({ type: "prevote-request", from: 3, to: 2, epoch: 2, lastZxid: 0n });
    r.step({ type: "vote-request", from: 3, to: 2, epoch: 2, lastZxid: 0n });
    expect(sent(drain(r))).toEqual([{ type: "prevote-response", from: 2, to: 3, epoch: 1, granted: false }]);
    expect(r.epoch).toBe(1);
    expect(r.leaderId).toBe(1);
  });

  it("after leaderLost the follower keeps its epoch, grants pre-votes and heeds vote requests", () => {
    const r = follower();
    r.leaderLost(3); // not our leader: a stale report, ignored
    expect(r.leaderId).toBe(1);
    r.leaderLost(1);
    expect(r.leaderId).toBeNull();
    expect(r.epoch).toBe(1);
    r.step({ type: "prevote-request", from: 3, to: 2, epoch: 2, lastZxid: 0n });
    r.step({ type: "vote-request", from: 3, to: 2, epoch: 2, lastZxid: 0n });
    const rds = drain(r);
    expect(sent(rds).map((m) => [m.type, m.epoch, "granted" in m && m.granted])).toEqual([
      ["prevote-response", 2, true],
      ["vote-response", 2, true],
    ]);
    expect(rds.some((rd) => rd.hardState?.epoch === 2 && rd.hardState.votedFor === 3)).toBe(true);
  });

  it("campaign asks for pre-votes first and starts the election only with a quorum of them", () => {
    const r = new Replica({ id: 1, voters: [1, 2, 3] });
    r.campaign();
    expect(sent(drain(r)).map((m) => `${m.type}@${m.epoch}->${m.to}`)).toEqual(["prevote-request@1->2", "prevote-request@1->3"]);
    expect(r.epoch).toBe(0);
    r.step({ type: "prevote-response", from: 2, to: 1, epoch: 1, granted: true });
    expect(sent(drain(r)).map((m) => `${m.type}@${m.epoch}->${m.to}`)).toEqual(["vote-request@1->2", "vote-request@1->3"]);
    expect(r.role).toBe("candidate");
  });

  it("a grant given to an earlier pre-vote of the same epoch does not count for a later one", () => {
    // Simulation seed 1341270649 (3 voters): a voter paused while it had no leader answered a
    // pre-vote long after it was asked; the candidate had started a new pre-vote for the same
    // epoch meanwhile, counted the old grant and deposed a leader the voter heard again by then.
    const r = new Replica({ id: 1, voters: [1, 2, 3] });
    r.campaign();
    const first = sent(drain(r)).find((m) => m.type === "prevote-request" && m.to === 2);
    r.campaign(); // its host saw its leader's link close again: a new pre-vote
    const second = sent(drain(r)).find((m) => m.type === "prevote-request" && m.to === 2);
    expect(first?.type === "prevote-request" && second?.type === "prevote-request" && first.round !== second.round).toBe(true);
    const answer = (m: typeof first) => {
      const voter = new Replica({ id: 2, voters: [1, 2, 3] });
      drain(voter);
      voter.step(m!);
      return sent(drain(voter))[0]!;
    };
    r.step(answer(first));
    expect(sent(drain(r))).toEqual([]);
    expect(r.role).toBe("follower");
    r.step(answer(second));
    expect(r.role).toBe("candidate");
  });

  it("a pre-vote refused from a higher epoch teaches the candidate that epoch", () => {
    const r = new Replica({ id: 1, voters: [1, 2, 3] });
    r.campaign();
    drain(r);
    r.step({ type: "prevote-response", from: 2, to: 1, epoch: 7, granted: false });
    expect(r.epoch).toBe(7);
    expect(r.role).toBe("follower");
  });

  it("a voter at EPOCH_MAX never campaigns (no zxid past 2^53), yet still follows a leader of that epoch", () => {
    const r = new Replica({ id: 1, voters: [1, 2, 3], hardState: { epoch: EPOCH_MAX, votedFor: null } });
    r.campaign();
    for (let i = 0; i < 200; i++) r.tick();
    expect(sent(drain(r))).toEqual([]);
    expect(r.epoch).toBe(EPOCH_MAX);
    r.step({ type: "append", from: 2, to: 1, epoch: EPOCH_MAX, prevZxid: 0n, entries: [], commitZxid: 0n });
    expect(r.leaderId).toBe(2);
  });

  it("a cut-off voter's timer keeps firing without raising its epoch", () => {
    const r = follower();
    for (let i = 0; i < 200; i++) r.tick();
    const msgs = sent(drain(r));
    expect(msgs.length).toBeGreaterThan(10);
    expect(msgs.every((m) => m.type === "prevote-request" && m.epoch === 2)).toBe(true);
    expect(r.epoch).toBe(1);
  });
});

describe("a follower answers as ZooKeeper's: one acknowledgement per proposal, none for a commit", () => {
  const z = (n: number): bigint => (1n << 32n) | BigInt(n);
  const answers = (r: Replica) => {
    const rd = r.ready();
    r.advance(rd);
    return rd.messages.map((m) => (m.type === "append-response" ? `${m.success ? "ack" : "reject"} ${m.matchZxid & 0xffffn}` : m.type));
  };
  const follower = (): Replica => {
    const r = new Replica({ id: 2, voters: [1, 2, 3] });
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: 0n, entries: [{ zxid: z(0), payload: null }], commitZxid: 0n });
    r.advance(r.ready());
    r.persisted(z(0));
    r.advance(r.ready());
    return r;
  };

  it("entries an append brings are acknowledged once, when durable; a stuck disk still answers heartbeats", () => {
    const r = follower();
    const entry = {
      type: "append",
      from: 1,
      to: 2,
      epoch: 1,
      prevZxid: z(0),
      entries: [{ zxid: z(1), payload: new Uint8Array([1]) }],
      commitZxid: z(0),
    } as const;
    r.step(entry);
    expect(answers(r)).toEqual([]); // nothing until the entry is durable
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: z(0), entries: [], commitZxid: z(0) });
    expect(answers(r)).toEqual(["ack 0"]); // a heartbeat is answered at once, with what is durable
    // The leader sends an entry again (a probe after no progress for a heartbeat), here before
    // the first copy even left in a Ready: nothing new is appended, so it is answered at once.
    const next = { ...entry, prevZxid: z(1), entries: [{ zxid: z(2), payload: new Uint8Array([2]) }] };
    r.step(next);
    r.step(next);
    expect(answers(r)).toEqual(["ack 0"]);
    r.persisted(z(2));
    expect(answers(r)).toEqual(["ack 2"]);
  });

  it("news of a commit (quiet) is not answered unless refused; entries held already are answered at once", () => {
    const r = follower();
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: z(0), entries: [], commitZxid: z(0), quiet: true });
    expect(answers(r)).toEqual([]);
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: z(5), entries: [], commitZxid: z(0), quiet: true });
    expect(answers(r)).toEqual(["reject 0"]); // it does not hold 1.5: the leader must learn that
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: 0n, entries: [{ zxid: z(0), payload: null }], commitZxid: z(0) });
    expect(answers(r)).toEqual(["ack 0"]);
  });
});

describe("a message no correct peer sends is refused before it changes anything", () => {
  const z = (epoch: number, n: number): bigint => (BigInt(epoch) << 32n) | BigInt(n);
  const drain = (r: Replica): void => {
    while (r.hasReady()) handle(r);
  };
  const refusal = (f: () => void): PeerMessageRefusedError => {
    try {
      f();
    } catch (e) {
      if (e instanceof PeerMessageRefusedError) return e;
      throw e;
    }
    throw new Error("the message was accepted");
  };
  const leader = (): Replica => {
    const r = new Replica({ id: 1, voters: [1, 2, 3], random: 7 });
    r.campaign();
    r.step({ type: "prevote-response", from: 2, to: 1, epoch: 1, granted: true });
    r.step({ type: "vote-response", from: 2, to: 1, epoch: 1, granted: true });
    drain(r);
    expect(r.role).toBe("leader");
    return r;
  };
  /** Server 2 following 1 in epoch 1, with entry 1 of epoch 1 committed. */
  const follower = (): Replica => {
    const r = new Replica({ id: 2, voters: [1, 2, 3], random: 7 });
    r.step({
      type: "append",
      from: 1,
      to: 2,
      epoch: 1,
      prevZxid: 0n,
      entries: [{ zxid: z(1, 1), payload: new Uint8Array([1]) }],
      commitZxid: z(1, 1),
    });
    drain(r);
    expect(r.commitZxid).toBe(z(1, 1));
    return r;
  };

  it("an append or a snapshot chunk from another server claiming the epoch this leader leads", () => {
    const r = leader();
    const before = { lastZxid: r.lastZxid, commitZxid: r.commitZxid };
    const e = refusal(() => r.step({ type: "append", from: 2, to: 1, epoch: 1, prevZxid: 0n, entries: [], commitZxid: 0n }));
    expect(e.peer).toBe(2);
    expect(e.message).toMatch(/claims to lead epoch 1, which this server leads/);
    refusal(() =>
      r.step({
        type: "snapshot-chunk",
        from: 3,
        to: 1,
        epoch: 1,
        snapshotZxid: z(1, 9),
        totalBytes: 4,
        checksum: 0,
        offset: 0,
        data: new Uint8Array(4),
        membership: { version: 0n, voters: [1, 2, 3], observers: [] },
      }),
    );
    expect({ role: r.role, epoch: r.epoch, lastZxid: r.lastZxid, commitZxid: r.commitZxid }).toEqual({
      role: "leader",
      epoch: 1,
      ...before,
    });
  });

  it("an append from a second leader of the epoch a follower follows", () => {
    const r = follower();
    const e = refusal(() => r.step({ type: "append", from: 3, to: 2, epoch: 1, prevZxid: 0n, entries: [], commitZxid: 0n }));
    expect(e.message).toMatch(/which server 1 leads/);
    expect(r.leaderId).toBe(1);
    // Once the follower has lost its leader, whoever leads the epoch is heard again.
    r.leaderLost(1);
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: z(1, 1), entries: [], commitZxid: z(1, 1) });
    expect(r.leaderId).toBe(1);
  });

  it("an append that replaces committed entries", () => {
    const r = follower();
    const e = refusal(() =>
      r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: 0n, entries: [{ zxid: z(1, 2), payload: null }], commitZxid: z(1, 2) }),
    );
    expect(e.message).toMatch(/replaces committed entries/);
    expect({ lastZxid: r.lastZxid, commitZxid: r.commitZxid }).toEqual({ lastZxid: z(1, 1), commitZxid: z(1, 1) });
  });

  it("a snapshot whose checksum matches but which the host cannot load", () => {
    const r = new Replica({
      id: 2,
      voters: [1, 2, 3],
      random: 7,
      checksum: (b, sum) => sum + b.length,
      checkSnapshot: (s) => (s.parts[0]![0] === 0 ? "not a tree" : null),
    });
    r.step({ type: "append", from: 1, to: 2, epoch: 1, prevZxid: 0n, entries: [], commitZxid: 0n });
    drain(r);
    const chunk = (first: number) => ({
      type: "snapshot-chunk" as const,
      from: 1,
      to: 2,
      epoch: 1,
      snapshotZxid: z(1, 50),
      totalBytes: 4,
      checksum: 4,
      offset: 0,
      data: new Uint8Array([first, 0, 0, 0]),
      membership: { version: 0n, voters: [1, 2, 3], observers: [] },
    });
    const e = refusal(() => r.step(chunk(0)));
    expect(e.message).toMatch(/its snapshot at \d+ \(4 bytes, checksum matching\) cannot be loaded: not a tree/);
    expect({ lastZxid: r.lastZxid, commitZxid: r.commitZxid }).toEqual({ lastZxid: 0n, commitZxid: 0n });
    r.step(chunk(1)); // the same transfer again, readable this time
    drain(r);
    expect(r.lastZxid).toBe(z(1, 50));
  });

  it("a campaign from a server that is no voter here cannot depose a leader that holds its lease, nor count", () => {
    // Not refused any more: with membership changes, a server may be a voter in a configuration
    // this one has not learned yet (Raft hears every sender; only voters are counted).
    const r = new Replica({ id: 1, voters: [1], observers: [2, 3], random: 7 });
    r.campaign();
    drain(r);
    expect(r.role).toBe("leader");
    r.step({ type: "vote-request", from: 2, to: 1, epoch: 9, lastZxid: z(9, 9) });
    r.step({ type: "prevote-response", from: 3, to: 1, epoch: 1, granted: true });
    expect({ role: r.role, epoch: r.epoch }).toEqual({ role: "leader", epoch: 1 });
    const f = new Replica({ id: 1, voters: [1, 2, 3], observers: [4], random: 7 });
    f.campaign();
    f.step({ type: "prevote-response", from: 4, to: 1, epoch: 1, granted: true });
    expect(f.status()).toMatchObject({ role: "follower", epoch: 0 }); // the observer's pre-vote does not count
  });

  it("an acknowledgement of entries beyond the leader's log", () => {
    const r = leader();
    const last = r.lastZxid;
    const e = refusal(() =>
      r.step({
        type: "append-response",
        from: 3,
        to: 1,
        epoch: 1,
        success: true,
        matchZxid: last + 5n,
        acceptedZxid: last + 5n,
        rejectedPrevZxid: 0n,
        hintZxid: 0n,
      }),
    );
    expect(e.message).toMatch(/beyond this leader's log/);
    expect(r.commitZxid).toBeLessThanOrEqual(last);
    expect(r.role).toBe("leader");
  });
});
