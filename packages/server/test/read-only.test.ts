// ReadOnlyMode with a simulated clock: when read-only serving starts (after the grace period
// of looking for a leader), when it stops (an election ended), its local sessions and their
// expiry, and what a handshake gets from a read-only server.
import { describe, expect, it } from "vitest";
import { CloseReason, type ConnectRequest, type Request } from "@warden/protocol";
import {
  READ_ONLY_GRACE_MS_MIN,
  ReadOnlyMode,
  lookingForLeader,
  readOnlyConnect,
  refusedReadOnly,
  type ReadOnlyConnectContext,
} from "../src/core/read-only.js";

function harness(enabled = true) {
  const h = { now: 0, looking: true, ended: [] as bigint[][], expired: [] as bigint[], lines: [] as string[] };
  const ro = new ReadOnlyMode(enabled, READ_ONLY_GRACE_MS_MIN, {
    nowMs: () => h.now,
    log: (l) => h.lines.push(l),
    looking: () => h.looking,
    ended: (ids) => h.ended.push(ids),
    expired: (id) => h.expired.push(id),
  });
  return { h, ro };
}

const context = (over: Partial<ReadOnlyConnectContext> = {}): ReadOnlyConnectContext => {
  let next = 0x500n;
  return {
    lastZxid: 0x100000005n,
    sessionTimeoutMsMin: 4000,
    sessionTimeoutMsMax: 40_000,
    globalSession: () => false,
    password: (id) => new Uint8Array(16).fill(Number(id % 251n) + 1),
    takeSessionId: () => next++,
    ...over,
  };
};
const request = (over: Partial<ConnectRequest> = {}): ConnectRequest => ({
  protocolVersion: 0,
  lastZxidSeen: 0n,
  timeoutMs: 10_000,
  sessionId: 0n,
  password: new Uint8Array(16),
  readOnly: true,
  ...over,
});

describe("read-only mode", () => {
  it("starts only after looking for a leader for the whole grace period (max(2000 ms, tickTime))", () => {
    const { h, ro } = harness();
    ro.update();
    h.now = READ_ONLY_GRACE_MS_MIN - 1;
    ro.update();
    expect(ro.active).toBe(false);
    h.now = READ_ONLY_GRACE_MS_MIN;
    ro.update();
    expect(ro.active).toBe(true);
  });

  it("a leader found during the grace period starts the count over", () => {
    const { h, ro } = harness();
    ro.update();
    h.now = 1500;
    h.looking = false;
    ro.update();
    h.looking = true;
    h.now = 1600;
    ro.update();
    h.now = 1600 + READ_ONLY_GRACE_MS_MIN - 1;
    ro.update();
    expect(ro.active).toBe(false);
    h.now = 1600 + READ_ONLY_GRACE_MS_MIN;
    ro.update();
    expect(ro.active).toBe(true);
  });

  it("never starts when readonlymode.enabled is false", () => {
    const { h, ro } = harness(false);
    ro.update();
    h.now = 60_000;
    ro.update();
    expect(ro.active).toBe(false);
  });

  it("stops when an election ends and hands over every read-only session to be closed", () => {
    const { h, ro } = harness();
    ro.update();
    h.now = READ_ONLY_GRACE_MS_MIN;
    ro.update();
    ro.add(1n, 4000);
    ro.add(2n, 4000);
    h.looking = false;
    ro.update();
    expect(ro.active).toBe(false);
    expect(h.ended).toEqual([[1n, 2n]]);
    expect(ro.sessionCount).toBe(0);
  });

  it("expires a local session after its timeout without a touch, and not before", () => {
    const { h, ro } = harness();
    ro.update();
    h.now = READ_ONLY_GRACE_MS_MIN;
    ro.update();
    ro.add(7n, 4000);
    h.now += 3000;
    ro.touch(7n);
    h.now += 3999;
    ro.update();
    expect(h.expired).toEqual([]);
    h.now += 1;
    ro.update();
    expect(h.expired).toEqual([7n]);
    expect(ro.has(7n)).toBe(false);
  });

  it("ZooKeeper's LOOKING: no status, or a follower or observer without a leader, or a candidate", () => {
    expect(lookingForLeader(undefined)).toBe(true);
    expect(lookingForLeader({ role: "follower", leaderId: null })).toBe(true);
    expect(lookingForLeader({ role: "candidate", leaderId: null })).toBe(true);
    expect(lookingForLeader({ role: "observer", leaderId: null })).toBe(true);
    expect(lookingForLeader({ role: "follower", leaderId: 2 })).toBe(false);
    expect(lookingForLeader({ role: "leader", leaderId: 1 })).toBe(false);
  });
});

describe("a handshake with a read-only server", () => {
  it("without canBeReadOnly is refused: notServing", () => {
    const { ro } = harness();
    const d = readOnlyConnect(ro, request({ readOnly: false }), context());
    expect(d).toMatchObject({ open: false, reason: CloseReason.NOT_SERVING });
  });

  it("with canBeReadOnly and no session opens a local session with a negotiated timeout", () => {
    const { ro } = harness();
    const d = readOnlyConnect(ro, request({ timeoutMs: 100_000 }), context());
    expect(d).toEqual({ open: true, sessionId: 0x500n, timeoutMs: 40_000, created: true });
    expect(ro.has(0x500n)).toBe(true);
  });

  it("of a client that has seen a newer zxid is refused: zxidBehind", () => {
    const { ro } = harness();
    expect(readOnlyConnect(ro, request({ lastZxidSeen: 0x100000006n }), context())).toMatchObject({
      open: false,
      reason: CloseReason.ZXID_BEHIND,
      lastZxid: 0x100000005n,
    });
  });

  it("of a session of the quorum is refused: it cannot reattach to a read-only server", () => {
    const { ro } = harness();
    const d = readOnlyConnect(ro, request({ sessionId: 0x42n }), context({ globalSession: (id) => id === 0x42n }));
    expect(d).toMatchObject({ open: false, reason: CloseReason.NOT_SERVING });
  });

  it("of its own local session with the right password reattaches; a wrong password or an unknown session is expired", () => {
    const { ro } = harness();
    const c = context();
    readOnlyConnect(ro, request(), c);
    const password = c.password(0x500n)!;
    expect(readOnlyConnect(ro, request({ sessionId: 0x500n, password }), c)).toMatchObject({
      open: true,
      sessionId: 0x500n,
      created: false,
    });
    expect(readOnlyConnect(ro, request({ sessionId: 0x500n, password: new Uint8Array(16) }), c)).toMatchObject({
      open: false,
      reason: CloseReason.SESSION_EXPIRED,
    });
    expect(readOnlyConnect(ro, request({ sessionId: 0x999n, password }), c)).toMatchObject({
      open: false,
      reason: CloseReason.SESSION_EXPIRED,
    });
  });
});

describe("requests of a read-only session", () => {
  it("every write and sync is refused (NOT_READONLY); reads, watches, auth, ping and closeSession are not", () => {
    const refused: Request["type"][] = ["create", "delete", "setData", "setACL", "check", "multi", "sync"];
    const served: Request["type"][] = [
      "exists",
      "getData",
      "getChildren",
      "getACL",
      "getAllChildrenNumber",
      "getEphemerals",
      "multiRead",
      "addWatch",
      "removeWatches",
      "setWatches",
      "auth",
      "whoAmI",
      "getConfig",
      "ping",
      "closeSession",
    ];
    for (const type of refused) expect(refusedReadOnly({ type } as Request), type).toBe(true);
    for (const type of served) expect(refusedReadOnly({ type } as Request), type).toBe(false);
  });
});
