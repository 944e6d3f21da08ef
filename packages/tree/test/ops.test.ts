import { describe, expect, it } from "vitest";
import { CONTAINER_EPHEMERAL_OWNER, ErrorCode, NoNodeError, Perms, READ_ACL_UNSAFE, TTL_EPHEMERAL_OWNER_MASK } from "@warden/protocol";
import { DataTree, digestId } from "@warden/tree";
import { Harness, OPEN, bytes } from "./harness.js";

describe("the initial tree", () => {
  it("holds /, /zookeeper, /zookeeper/quota and /zookeeper/config as ZooKeeper's", () => {
    const t = new DataTree();
    expect(t.getChildren("/")).toEqual(["zookeeper"]);
    expect(t.getChildren("/zookeeper")).toEqual(["config", "quota"]);
    expect(t.nodeCount).toBe(4);
    expect(t.exists("/zookeeper")).toMatchObject({ czxid: 0n, numChildren: 2, cversion: 0, aversion: 0 });
    expect(t.getACL("/zookeeper/config")).toMatchObject({ acl: READ_ACL_UNSAFE, stat: { aversion: -1 } });
  });
});

describe("create", () => {
  it("sets czxid=mzxid=pzxid, ctime=mtime, and bumps the parent's cversion and pzxid", () => {
    const h = new Harness();
    h.timeMs = 5_000;
    const out = h.create("/a", "hello");
    expect(out.err).toBe(0);
    expect(out.response).toMatchObject({ type: "create", path: "/a" });
    const s = h.tree.exists("/a")!;
    expect(s).toEqual({
      czxid: 1n,
      mzxid: 1n,
      pzxid: 1n,
      ctime: 5_000,
      mtime: 5_000,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 5,
      numChildren: 0,
    });
    expect(h.tree.exists("/")).toMatchObject({ cversion: 1, pzxid: 1n, numChildren: 2, mzxid: 0n });
  });

  it("names sequential nodes from the parent's cversion, ten digits, which deletes do not move", () => {
    const h = new Harness();
    h.create("/q");
    expect(h.create("/q/n-", "", 2).response).toMatchObject({ path: "/q/n-0000000000" });
    h.create("/q/x");
    h.write({ type: "delete", path: "/q/x", version: -1 });
    expect(h.tree.exists("/q")).toMatchObject({ cversion: 2, pzxid: 4n, numChildren: 1 });
    expect(h.create("/q/n-", "", 2).response).toMatchObject({ path: "/q/n-0000000002" });
    expect(h.create("/q/", "", 2).response).toMatchObject({ path: "/q/0000000003" });
  });

  it("reports NodeExists, NoNode for a missing parent, and NoChildrenForEphemerals", () => {
    const h = new Harness();
    h.session(1n);
    h.create("/a");
    expect(h.create("/a").err).toBe(ErrorCode.NODE_EXISTS);
    expect(h.create("/x/y").err).toBe(ErrorCode.NO_NODE);
    h.create("/e", "", 1);
    expect(h.create("/e/c").err).toBe(ErrorCode.NO_CHILDREN_FOR_EPHEMERALS);
    expect(h.create("/bad/").err).toBe(ErrorCode.BAD_ARGUMENTS);
    expect(h.create("/").err).toBe(ErrorCode.NODE_EXISTS);
  });

  it("refuses ephemerals of a session that is not open, and TTLs outside 1..2^40-1", () => {
    const h = new Harness();
    expect(h.create("/e", "", 1, 9n).err).toBe(ErrorCode.SESSION_EXPIRED);
    expect(h.create("/t", "", 5, 1n, 0).err).toBe(ErrorCode.BAD_ARGUMENTS);
    expect(h.create("/t", "", 5, 1n).err).toBe(ErrorCode.BAD_ARGUMENTS);
    expect(h.create("/t", "", 0, 1n, 100).err).toBe(ErrorCode.BAD_ARGUMENTS);
    expect(h.create("/t", "", 5, 1n, 2 ** 40).err).toBe(ErrorCode.BAD_ARGUMENTS);
    expect(h.create("/t", "", 5, 1n, 100).err).toBe(0);
    expect(h.tree.exists("/t")!.ephemeralOwner).toBe(TTL_EPHEMERAL_OWNER_MASK | 100n);
  });

  it("marks containers with ephemeralOwner 0x8000000000000000", () => {
    const h = new Harness();
    h.create("/c", "", 4);
    expect(h.tree.exists("/c")!.ephemeralOwner).toBe(CONTAINER_EPHEMERAL_OWNER);
  });
});

describe("delete, setData, setACL, check", () => {
  it("delete checks the version, refuses a node with children, and moves only the parent's pzxid", () => {
    const h = new Harness();
    h.create("/a");
    h.create("/a/b");
    expect(h.write({ type: "delete", path: "/a", version: -1 }).err).toBe(ErrorCode.NOT_EMPTY);
    expect(h.write({ type: "delete", path: "/a/b", version: 3 }).err).toBe(ErrorCode.BAD_VERSION);
    expect(h.write({ type: "delete", path: "/a/b", version: 0 }).err).toBe(0);
    expect(h.tree.exists("/a")).toMatchObject({ cversion: 1, pzxid: 5n, numChildren: 0 });
    expect(h.write({ type: "delete", path: "/a/b", version: -1 }).err).toBe(ErrorCode.NO_NODE);
    expect(h.write({ type: "delete", path: "/zookeeper", version: -1 }).err).toBe(ErrorCode.BAD_ARGUMENTS);
  });

  it("setData sets data, mzxid, mtime and version+1, keeping ctime", () => {
    const h = new Harness();
    h.create("/a", "x");
    h.timeMs = 9_000;
    const out = h.write({ type: "setData", path: "/a", data: bytes("yz"), version: 0 });
    expect(out.response).toMatchObject({
      type: "setData",
      stat: { version: 1, mzxid: 2n, czxid: 1n, mtime: 9_000, ctime: 1_000, dataLength: 2 },
    });
    expect(h.write({ type: "setData", path: "/a", data: bytes(""), version: 0 }).err).toBe(ErrorCode.BAD_VERSION);
    expect(new TextDecoder().decode(h.tree.getData("/a").data)).toBe("yz");
  });

  it("setACL checks ADMIN and aversion, bumps aversion only", () => {
    const h = new Harness();
    h.create("/a");
    const who = digestId("bob", "pw");
    const out = h.write({ type: "setACL", path: "/a", acl: [{ perms: Perms.READ, id: { scheme: "digest", id: who } }], version: 0 });
    expect(out.response).toMatchObject({ type: "setACL", stat: { aversion: 1, version: 0, mzxid: 1n } });
    expect(h.write({ type: "setACL", path: "/a", acl: OPEN, version: -1 }).err).toBe(ErrorCode.NO_AUTH);
    expect(h.write({ type: "setData", path: "/a", data: bytes(""), version: -1 }, 1n, [{ scheme: "digest", id: who }]).err).toBe(
      ErrorCode.NO_AUTH,
    );
    expect(h.write({ type: "setACL", path: "/a", acl: [], version: -1 }).err).toBe(ErrorCode.INVALID_ACL);
  });

  it("expands the auth scheme to the session's digest identities, and refuses it without one", () => {
    const h = new Harness();
    const id = { scheme: "digest", id: digestId("amy", "secret") };
    expect(
      h.write({ type: "create", path: "/p", data: bytes(""), acl: [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }], mode: 0 }).err,
    ).toBe(ErrorCode.INVALID_ACL);
    h.write({ type: "create", path: "/p", data: bytes(""), acl: [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }], mode: 0 }, 1n, [
      id,
      { scheme: "ip", id: "127.0.0.1" },
    ]);
    expect(h.tree.getACL("/p").acl).toEqual([{ perms: Perms.ALL, id }]);
  });

  it("check passes silently and fails with BadVersion or NoNode", () => {
    const h = new Harness();
    h.create("/a");
    expect(h.write({ type: "check", path: "/a", version: 0 }).err).toBe(0);
    expect(h.write({ type: "check", path: "/a", version: 1 }).err).toBe(ErrorCode.BAD_VERSION);
    expect(h.write({ type: "check", path: "/b", version: 1 }).err).toBe(ErrorCode.NO_NODE);
  });
});

describe("multi", () => {
  it("applies all ops with one zxid", () => {
    const h = new Harness();
    const out = h.write({
      type: "multi",
      ops: [
        { type: "create", path: "/m", data: bytes(""), acl: OPEN, mode: 0 },
        { type: "create", path: "/m/s-", data: bytes(""), acl: OPEN, mode: 2 },
        { type: "create", path: "/m/s-", data: bytes(""), acl: OPEN, mode: 2 },
        { type: "setData", path: "/m", data: bytes("d"), version: 0 },
        { type: "check", path: "/m", version: 1 },
      ],
    });
    expect(out.err).toBe(0);
    expect(out.response).toMatchObject({
      type: "multi",
      results: [
        { type: "create", path: "/m" },
        { path: "/m/s-0000000000" },
        { path: "/m/s-0000000001" },
        { type: "setData", stat: { version: 1 } },
        { type: "check" },
      ],
    });
    expect(h.tree.exists("/m/s-0000000001")!.czxid).toBe(1n);
  });

  it("is all or nothing: OK before the failing op, its code, RUNTIME_INCONSISTENCY after", () => {
    const h = new Harness();
    const out = h.write({
      type: "multi",
      ops: [
        { type: "create", path: "/m", data: bytes(""), acl: OPEN, mode: 0 },
        { type: "delete", path: "/nope", version: -1 },
        { type: "create", path: "/m2", data: bytes(""), acl: OPEN, mode: 0 },
      ],
    });
    expect(out.err).toBe(ErrorCode.NO_NODE);
    expect(out.response).toEqual({
      type: "multi",
      results: [
        { type: "error", err: 0 },
        { type: "error", err: ErrorCode.NO_NODE },
        { type: "error", err: ErrorCode.RUNTIME_INCONSISTENCY },
      ],
    });
    expect(h.tree.exists("/m")).toBeUndefined();
    expect(h.create("/m").err).toBe(0); // the failed multi left nothing outstanding
  });
});

describe("sessions, ephemerals, containers and TTL", () => {
  it("closeSession deletes exactly the session's ephemerals, including ones still being prepared", () => {
    const h = new Harness();
    h.session(1n);
    h.session(2n);
    h.create("/a", "", 1, 1n);
    h.create("/b", "", 1, 2n);
    const pending = h.prepare({ type: "create", path: "/c", data: bytes(""), acl: OPEN, mode: 1 }, 1n);
    const close = h.prepare({ type: "closeSession" }, 1n);
    expect(close.body).toEqual({ type: "closeSession", paths: ["/a", "/c"] });
    expect(h.prepare({ type: "create", path: "/d", data: bytes(""), acl: OPEN, mode: 1 }, 1n).body).toEqual({
      type: "error",
      code: ErrorCode.SESSION_EXPIRED,
    });
    h.tree.apply(pending);
    h.tree.apply(close);
    expect(h.tree.getChildren("/")).toEqual(["b", "zookeeper"]);
    expect([...h.tree.sessions.keys()]).toEqual([2n]);
    expect(h.tree.getEphemerals(2n)).toEqual(["/b"]);
  });

  it("finds empty used containers and expired childless TTL nodes, and deletes them by deleteContainer", () => {
    const h = new Harness();
    h.create("/c", "", 4);
    h.create("/unused", "", 4);
    h.create("/c/x");
    h.write({ type: "delete", path: "/c/x", version: -1 });
    h.timeMs = 2_000;
    h.create("/t", "", 5, 1n, 500);
    expect(h.tree.expiredNodes(2_500, 10)).toEqual(["/c"]);
    expect(h.tree.expiredNodes(2_501, 10)).toEqual(["/c", "/t"]);
    expect(h.tree.expiredNodes(2_501, 1)).toEqual(["/c"]);
    h.timeMs = 2_501;
    expect(h.write({ type: "deleteContainer", path: "/t" }).err).toBe(0);
    expect(h.write({ type: "deleteContainer", path: "/unused" }).err).toBe(ErrorCode.BAD_VERSION);
    expect(h.write({ type: "deleteContainer", path: "/c" }).err).toBe(0);
    expect(h.tree.exists("/c")).toBeUndefined();
  });
});

describe("reads", () => {
  it("check READ, throw NoNodeError with the path, and mask digests for non-admins", () => {
    const h = new Harness();
    const bob = { scheme: "digest", id: digestId("bob", "pw") };
    h.write({
      type: "create",
      path: "/s",
      data: bytes("x"),
      acl: [
        { perms: Perms.READ, id: bob },
        { perms: Perms.READ, id: { scheme: "ip", id: "10.0.0.0/8" } },
      ],
      mode: 0,
    });
    const anon = { sessionId: 1n, identities: [] };
    expect(() => h.tree.read({ type: "getData", path: "/s", watch: false }, anon)).toThrow(
      expect.objectContaining({ code: "WARDEN_ERR_NO_AUTH", path: "/s" }),
    );
    expect(() => h.tree.read({ type: "getData", path: "/zz", watch: false }, anon)).toThrow(NoNodeError);
    expect(
      h.tree.read({ type: "getData", path: "/s", watch: false }, { sessionId: 1n, identities: [{ scheme: "ip", id: "10.2.3.4" }] }),
    ).toMatchObject({ type: "getData" });
    const acl = h.tree.read({ type: "getACL", path: "/s" }, { sessionId: 1n, identities: [bob] });
    expect(acl).toMatchObject({ acl: [{ id: { scheme: "digest", id: "bob:x" } }, { id: { scheme: "ip" } }] });
    expect(h.tree.read({ type: "getChildren", path: "/", watch: false, withStat: true }, anon)).toMatchObject({
      children: ["s", "zookeeper"],
      stat: { numChildren: 2 },
    });
    expect(h.tree.read({ type: "getAllChildrenNumber", path: "/" }, anon)).toEqual({ type: "getAllChildrenNumber", totalNumber: 4 });
    expect(
      h.tree.read(
        {
          type: "multiRead",
          ops: [
            { type: "getData", path: "/zz", watch: false },
            { type: "getChildren", path: "/zookeeper", watch: false },
          ],
        },
        anon,
      ),
    ).toEqual({
      type: "multiRead",
      results: [
        { type: "error", err: ErrorCode.NO_NODE },
        { type: "getChildren", children: ["config", "quota"] },
      ],
    });
  });
});
