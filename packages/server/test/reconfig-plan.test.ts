// planReconfig against ZooKeeper 3.9's documented cases (zookeeperReconfig.md: incremental,
// non-incremental, conditional, error conditions) and PrepRequestProcessor's order of checks.
import { describe, expect, it } from "vitest";
import { ErrorCode, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, parseDynamicConfig, type Id } from "@warden/protocol";
import { planReconfig, type ReconfigRequestFields, type ReconfigState, type Requester } from "../src/reconfig/plan.js";

const FIVE = parseDynamicConfig(
  [1, 2, 3, 4, 5].map((i) => `server.${i}=125.23.63.${22 + i}:${2779 + i}:${2782 + i}:participant;${2790 + i}`).join("\n") +
    "\nversion=100000000",
);
const state = (over: Partial<ReconfigState> = {}): ReconfigState => ({
  enabled: true,
  standalone: false,
  standaloneEnabled: true,
  current: FIVE,
  lastSeenVersion: FIVE.version,
  syncedIds: new Set([1, 2, 3, 4, 5]),
  configAcl: READ_ACL_UNSAFE,
  nextZxid: 0x100000007n,
  ...over,
});
const SUPER: Requester = { superuser: true, skipACL: false, identities: [] };
const req = (over: Partial<ReconfigRequestFields>): ReconfigRequestFields => ({
  joiningServers: null,
  leavingServers: null,
  newMembers: null,
  curConfigId: -1n,
  ...over,
});
const ids = (r: ReturnType<typeof planReconfig>) => (r.ok ? r.next.servers.map((s) => `${s.id}:${s.type}`) : r);
const error = (r: ReturnType<typeof planReconfig>) => (r.ok ? "ok" : r.err);

describe("incremental reconfig (joiningServers, leavingServers)", () => {
  it("reconfig -remove 3 -add server.6=...;1236: 3 leaves, 6 joins, the version is the reconfig's zxid", () => {
    const r = planReconfig(state(), req({ leavingServers: "3", joiningServers: "server.6=125.23.63.23:1234:1235;1236" }), SUPER);
    expect(ids(r)).toEqual(["1:participant", "2:participant", "4:participant", "5:participant", "6:participant"]);
    expect(r.ok && r.next.version).toBe(0x100000007n);
    expect(r.ok && r.text.endsWith("server.6=125.23.63.23:1234:1235:participant;0.0.0.0:1236\nversion=100000007")).toBe(true);
  });

  it("reconfig -remove 3,4 -add server.5=…,6=…:observer: '6=' stands for 'server.6=', and 5 is updated in place", () => {
    const r = planReconfig(
      state(),
      req({ leavingServers: "3,4", joiningServers: "server.5=localhost:2111:2112;2113,6=localhost:2114:2115:observer;2116" }),
      SUPER,
    );
    expect(ids(r)).toEqual(["1:participant", "2:participant", "5:participant", "6:observer"]);
    expect(r.ok && r.next.servers.find((s) => s.id === 5)!.quorumPort).toBe(2111);
  });

  it("a participant becomes an observer by joining again with :observer", () => {
    const r = planReconfig(state(), req({ joiningServers: "server.5=125.23.63.27:2784:2787:observer;2795" }), SUPER);
    expect(ids(r)).toContain("5:observer");
  });

  it("a joiner without a client port, a malformed line, or another member's address is BAD_ARGUMENTS", () => {
    expect(planReconfig(state(), req({ joiningServers: "server.6=10.0.0.9:1:2" }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: "Wrong format of server string - each server should have 3 ports specified",
    });
    expect(planReconfig(state(), req({ joiningServers: "server.6" }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: "Wrong format of server string",
    });
    expect(planReconfig(state(), req({ joiningServers: "server.6=10.0.0.9:1:1;3" }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: "Reconfiguration failed",
    });
    expect(planReconfig(state(), req({ joiningServers: "server.6=125.23.63.23:2780:9999;9998" }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: "125.23.63.23:2780 of server.6 conflicts 125.23.63.23:2780 of server.1",
    });
  });

  it("loopback addresses are not compared for duplicates (excludedSpecialAddresses), so local ensembles can share a host", () => {
    const local = parseDynamicConfig("server.1=127.0.0.1:1:2;3\nserver.2=127.0.0.1:4:5;6\nserver.3=127.0.0.1:7:8;9");
    expect(
      error(
        planReconfig(
          state({ current: local, lastSeenVersion: 0n, syncedIds: new Set([1, 2, 3, 4]) }),
          req({ joiningServers: "server.4=127.0.0.1:1:2;3" }),
          SUPER,
        ),
      ),
    ).toBe("ok");
  });

  it("joiners are bounded: more servers than a configuration may hold is BAD_ARGUMENTS, at once", () => {
    const many = Array.from({ length: 1020 }, (_, i) => `server.${i + 10}=10.1.${i >> 8}.${i & 255}:1:2;3`).join(",");
    expect(planReconfig(state(), req({ joiningServers: many }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: "more than 1024 servers",
    });
    expect(
      error(
        planReconfig(
          state({ syncedIds: new Set(Array.from({ length: 2000 }, (_, i) => i)) }),
          req({ joiningServers: many.split(",").slice(0, 1019).join(",") }),
          SUPER,
        ),
      ),
    ).toBe("ok");
  });

  it("an id that is not a number is MARSHALLING_ERROR (Java's NumberFormatException is unchecked there)", () => {
    expect(error(planReconfig(state(), req({ leavingServers: "three" }), SUPER))).toBe(ErrorCode.MARSHALLING_ERROR);
    expect(error(planReconfig(state(), req({ joiningServers: "server.x=10.0.0.9:1:2;3" }), SUPER))).toBe(ErrorCode.MARSHALLING_ERROR);
  });
});

describe("non-incremental reconfig (newMembers)", () => {
  it("reconfig -members with commas for line breaks replaces the whole membership", () => {
    const newMembers =
      "server.1=125.23.63.23:2780:2783:participant;2791,server.2=125.23.63.24:2781:2784:participant;2792,server.3=125.23.63.25:2782:2785:participant;2793";
    expect(ids(planReconfig(state(), req({ newMembers }), SUPER))).toEqual(["1:participant", "2:participant", "3:participant"]);
  });

  it("the Java API example (server.3 an observer) leaves two voters: accepted", () => {
    const newMembers = "server.1=1111:1234:1235;1236,server.2=1112:1237:1238;1239,server.3=1114:1240:1241:observer;1242";
    expect(ids(planReconfig(state({ syncedIds: new Set([1, 2]) }), req({ newMembers }), SUPER))).toEqual([
      "1:participant",
      "2:participant",
      "3:observer",
    ]);
  });

  it("a syntax error is BAD_ARGUMENTS with parseDynamicConfig's message; newMembers wins over joining", () => {
    expect(planReconfig(state(), req({ newMembers: "server.1=h:1:1;2" }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: expect.stringContaining("Client and election port must be different"),
    });
    expect(planReconfig(state(), req({ newMembers: "tickTime=2000" }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: "Unrecognised parameter: tickTime",
    });
    expect(
      ids(planReconfig(state(), req({ newMembers: "server.1=a:1:2;3,server.2=b:1:2;3", joiningServers: "server.9=c:1:2;3" }), SUPER)),
    ).toEqual(["1:participant", "2:participant"]);
  });
});

describe("the error conditions of zookeeperReconfig.md, in PrepRequestProcessor's order", () => {
  it("reconfigEnabled=false: RECONFIG_DISABLED before anything else", () => {
    expect(error(planReconfig(state({ enabled: false, standalone: true }), req({ curConfigId: 5n }), SUPER))).toBe(
      ErrorCode.RECONFIG_DISABLED,
    );
  });
  it("a standalone server: UNIMPLEMENTED", () => {
    expect(error(planReconfig(state({ standalone: true }), req({ leavingServers: "1" }), SUPER))).toBe(ErrorCode.UNIMPLEMENTED);
  });
  it("another reconfig in progress: RECONFIG_IN_PROGRESS", () => {
    expect(error(planReconfig(state({ lastSeenVersion: 0x100000005n }), req({ leavingServers: "1" }), SUPER))).toBe(
      ErrorCode.RECONFIG_IN_PROGRESS,
    );
  });
  it("-v x where the last configuration is y: BAD_VERSION; -v y and -1 pass", () => {
    expect(planReconfig(state(), req({ leavingServers: "1", curConfigId: 0x100000001n }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_VERSION,
      message: "Reconfiguration from version 4294967297 failed -- last seen version is 4294967296",
    });
    expect(error(planReconfig(state(), req({ leavingServers: "1", curConfigId: 0x100000000n }), SUPER))).toBe("ok");
  });
  it("fewer than 2 participants with standaloneEnabled, fewer than 1 without: BAD_ARGUMENTS", () => {
    const three = { current: parseDynamicConfig("server.1=a:1:2;3\nserver.2=b:1:2;3\nserver.3=c:1:2;3"), lastSeenVersion: 0n };
    expect(planReconfig(state(three), req({ leavingServers: "2,3" }), SUPER)).toMatchObject({
      err: ErrorCode.BAD_ARGUMENTS,
      message: "Reconfig failed - new configuration must include at least 2 followers",
    });
    expect(error(planReconfig(state({ ...three, standaloneEnabled: false }), req({ leavingServers: "2,3" }), SUPER))).toBe("ok");
    expect(planReconfig(state({ ...three, standaloneEnabled: false }), req({ leavingServers: "1,2,3" }), SUPER)).toMatchObject({
      message: "Reconfig failed - new configuration must include at least 1 follower",
    });
  });
  it("no synced quorum of the new configuration: NEW_CONFIG_NO_QUORUM (observers do not count)", () => {
    const r = planReconfig(
      state({ syncedIds: new Set([1, 2]) }),
      req({ joiningServers: "server.6=10.0.0.6:1:2;3,server.7=10.0.0.7:1:2;3" }),
      SUPER,
    );
    expect(error(r)).toBe(ErrorCode.NEW_CONFIG_NO_QUORUM);
    // Removing 4 and 5 leaves 1, 2, 3: two synced of three is a quorum.
    expect(error(planReconfig(state({ syncedIds: new Set([1, 2]) }), req({ leavingServers: "4,5" }), SUPER))).toBe("ok");
  });
});

describe("who may reconfig: WRITE on /zookeeper/config, checked last (a superuser, or skipACL)", () => {
  const nobody: Requester = { superuser: false, skipACL: false, identities: [{ scheme: "digest", id: "bob:x" } as Id] };
  it("a client that is not a superuser gets NO_AUTH, but only after the other checks", () => {
    expect(error(planReconfig(state(), req({ leavingServers: "1" }), nobody))).toBe(ErrorCode.NO_AUTH);
    expect(error(planReconfig(state(), req({ leavingServers: "1", curConfigId: 7n }), nobody))).toBe(ErrorCode.BAD_VERSION);
  });
  it("skipACL lets anyone; a super identity passes; an ACL a superuser opened lets everyone", () => {
    expect(error(planReconfig(state(), req({ leavingServers: "1" }), { ...nobody, skipACL: true }))).toBe("ok");
    expect(error(planReconfig(state(), req({ leavingServers: "1" }), { ...nobody, identities: [{ scheme: "super", id: "x" }] }))).toBe(
      "ok",
    );
    expect(error(planReconfig(state({ configAcl: OPEN_ACL_UNSAFE }), req({ leavingServers: "1" }), nobody))).toBe("ok");
  });
});
