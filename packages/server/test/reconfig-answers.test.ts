// Every reconfig a server waits on is answered: a forwarded one whose answer from the leader is
// lost (the link dropped, the leader died) fails with CONNECTION_LOSS within answerWithinMs; one
// waiting for a proposed configuration that a new leader truncates fails as soon as the
// truncation is known, and is never answered as a success by a later configuration. And the
// leader's side: a forwarded reconfig is answered with the version it proposed, or the refusal.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "@warden/protocol";
import { ANSWER_WITHIN_MS, lastRequestId, request, server } from "./reconfig-answer-harness.js";

const JOIN_4 = "server.4=d:1:2:participant;d:3";
const errs = (answers: { err: number }[]) => answers.map((a) => a.err);

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe("a follower's forwarded reconfig whose answer is lost", () => {
  it("fails with CONNECTION_LOSS within answerWithinMs when the leader never answers", () => {
    const f = server(2);
    f.ask(request({ leavingServers: "3" }));
    expect(f.sent.map((s) => [s.to, s.m.type])).toEqual([[1, "reconfig"]]);
    vi.advanceTimersByTime(ANSWER_WITHIN_MS - 1);
    expect(f.answers).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
    // A late answer finds nothing waiting: the client is not answered twice.
    f.integration.onMessage(1, { type: "reconfig-result", requestId: lastRequestId(f.sent), err: 0, version: 0x100000010n, message: "" });
    f.commit({ version: 0x100000010n, voters: [1, 2], observers: [] });
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
  });

  it("fails within answerWithinMs when the leader is lost and no other one appears", () => {
    const f = server(2);
    f.ask(request({ leavingServers: "3" }));
    f.consensus.leaderId = null;
    f.integration.leadershipChanged();
    expect(f.answers).toEqual([]);
    vi.advanceTimersByTime(ANSWER_WITHIN_MS);
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
  });

  it("fails within answerWithinMs when the proposed configuration never commits under the same leader", () => {
    const f = server(2);
    f.ask(request({ leavingServers: "3" }));
    f.integration.onMessage(1, { type: "reconfig-result", requestId: lastRequestId(f.sent), err: 0, version: 0x100000010n, message: "" });
    f.consensus.pending = { version: 0x100000010n, voters: [1, 2], observers: [] };
    f.changed();
    vi.advanceTimersByTime(ANSWER_WITHIN_MS - 1);
    expect(f.answers).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
  });

  it("does not leak: more forwarded requests than it may hold at once, each timed out, are all forwarded", () => {
    const f = server(2);
    for (let i = 0; i < 1100; i++) {
      f.ask(request({ leavingServers: "3" }));
      vi.advanceTimersByTime(ANSWER_WITHIN_MS);
    }
    expect(f.sent.length).toBe(1100);
    expect(new Set(f.answers.map((a) => (a as { message: string }).message)).size).toBe(1);
  });
});

describe("a reconfig waiting for a proposed configuration that a new leader truncates", () => {
  it("a follower's fails with CONNECTION_LOSS when the truncation is known", () => {
    const f = server(2);
    f.ask(request({ leavingServers: "3" }));
    f.integration.onMessage(1, { type: "reconfig-result", requestId: lastRequestId(f.sent), err: 0, version: 0x100000010n, message: "" });
    f.consensus.pending = { version: 0x100000010n, voters: [1, 2], observers: [] };
    f.changed();
    // Server 3 leads now; the proposal is still in this log: it may yet commit.
    f.consensus.leaderId = 3;
    f.integration.leadershipChanged();
    expect(f.answers).toEqual([]);
    // Server 3's log does not have it: syncing with 3 truncates it here.
    f.consensus.pending = null;
    f.changed();
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
    // A later configuration (3's) commits: no second answer, and never a success.
    f.commit({ version: 0x200000001n, voters: [1, 2, 3], observers: [] });
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
  });

  it("the old leader's own client's fails when the leader that replaced it truncates the proposal", () => {
    const l = server(1, "leader");
    l.ask(request({ leavingServers: "3" }));
    expect(l.consensus.pending?.version).toBe(0x100000010n);
    l.consensus.role = "follower";
    l.consensus.leaderId = 2;
    l.integration.leadershipChanged();
    expect(l.answers).toEqual([]);
    l.consensus.pending = null;
    l.changed();
    expect(errs(l.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
  });

  it("is not answered as a success when a snapshot brings a later configuration instead", () => {
    const f = server(2);
    f.ask(request({ leavingServers: "3" }));
    f.integration.onMessage(1, { type: "reconfig-result", requestId: lastRequestId(f.sent), err: 0, version: 0x100000010n, message: "" });
    f.integration.installed({ version: 0x200000001n, voters: [1, 2, 3], observers: [] });
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
  });

  it("a late 'proposed' answer for a version passed over here fails instead of succeeding", () => {
    const f = server(2);
    f.ask(request({ leavingServers: "3" }));
    f.commit({ version: 0x200000001n, voters: [1, 2, 3], observers: [] });
    f.integration.onMessage(1, { type: "reconfig-result", requestId: lastRequestId(f.sent), err: 0, version: 0x100000010n, message: "" });
    expect(errs(f.answers)).toEqual([ErrorCode.CONNECTION_LOSS]);
  });
});

describe("the leader's answer to a forwarded reconfig", () => {
  it("proposes the change from the committed version and answers at once with the version proposed", () => {
    const l = server(1, "leader");
    l.integration.onMessage(2, {
      type: "reconfig",
      origin: 2,
      requestId: 7,
      request: request({ joiningServers: JOIN_4 }),
      identities: [],
      superuser: true,
    });
    expect(l.proposals).toHaveLength(1);
    expect(l.proposals[0]!.fromVersion).toBe(0n);
    expect(l.proposals[0]!.next).toMatchObject({ voters: [1, 2, 3, 4], observers: [] });
    expect(l.sent).toEqual([{ to: 2, m: { type: "reconfig-result", requestId: 7, err: 0, version: 0x100000010n, message: "" } }]);
    // The commit sends nothing more: the follower waits for the version itself.
    l.commit({ version: 0x100000010n, voters: [1, 2, 3, 4], observers: [] });
    expect(l.sent).toHaveLength(1);
  });

  it("the follower answers its client once that version is in force there, with the committed configuration", () => {
    const l = server(1, "leader");
    const f = server(2);
    f.ask(request({ joiningServers: JOIN_4 }));
    const forwarded = f.sent[0]!.m;
    if (forwarded.type !== "reconfig") throw new Error(`forwarded ${forwarded.type}`);
    l.integration.onMessage(2, forwarded);
    const result = l.sent[0]!.m;
    if (result.type !== "reconfig-result") throw new Error(`answered ${result.type}`);
    f.integration.onMessage(1, result);
    expect(f.answers).toEqual([]);
    // The entry the leader proposed reaches this server, then commits.
    const entry = { ...l.consensus.pending!, hostData: (l.proposals[0]!.next as { hostData: Uint8Array }).hostData };
    f.consensus.pending = entry;
    f.changed();
    expect(f.answers).toEqual([]);
    f.commit(entry);
    expect(errs(f.answers)).toEqual([0]);
    const answer = f.answers[0] as { response: { data: Uint8Array; stat: { mzxid: bigint } } };
    expect(answer.response.stat.mzxid).toBe(0x100000010n);
    expect(new TextDecoder().decode(answer.response.data)).toContain("version=100000010");
    expect(new TextDecoder().decode(answer.response.data)).toContain("server.4");
    // Nothing is left to time out.
    vi.advanceTimersByTime(ANSWER_WITHIN_MS);
    expect(errs(f.answers)).toEqual([0]);
  });

  it("refuses with the error ZooKeeper's leader gives, and version 0", () => {
    const l = server(1, "leader");
    const ask = (requestId: number, r: ReturnType<typeof request>) =>
      l.integration.onMessage(2, { type: "reconfig", origin: 2, requestId, request: r, identities: [], superuser: true });
    ask(1, request({ curConfigId: 5n, leavingServers: "3" }));
    ask(2, request({ joiningServers: JOIN_4 }));
    ask(3, request({ leavingServers: "3" }));
    l.consensus.role = "follower";
    l.consensus.leaderId = 3;
    ask(4, request({ leavingServers: "3" }));
    expect(l.sent.map((s) => s.m)).toMatchObject([
      { requestId: 1, err: ErrorCode.BAD_VERSION, version: 0n },
      { requestId: 2, err: 0, version: 0x100000010n },
      { requestId: 3, err: ErrorCode.RECONFIG_IN_PROGRESS, version: 0n },
      { requestId: 4, err: ErrorCode.CONNECTION_LOSS, version: 0n },
    ]);
  });
});
