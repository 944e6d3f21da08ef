// Every client operation against a real standalone server, with ZooKeeper's semantics.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BadArgumentsError,
  BadVersionError,
  CreateMode,
  NoChildrenForEphemeralsError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  ErrorCode,
  OPEN_ACL_UNSAFE,
  Perms,
  TTL_EPHEMERAL_OWNER_MASK,
  CONTAINER_EPHEMERAL_OWNER,
} from "@warden/protocol";
import { TransactionError, type Client } from "@warden/client";
import { startStandalone, text, waitFor, type Standalone } from "./harness.js";

let s: Standalone;
let c: Client;
beforeAll(async () => {
  s = await startStandalone({}, { containerCheckMs: 100 });
  c = await s.client();
});
afterAll(() => s?.stop());

describe("create", () => {
  it("creates a persistent node whose Stat records the creating zxid, times and sizes", async () => {
    const before = Date.now();
    const { path, stat } = await c.createWithStat("/stat", "hello");
    expect(path).toBe("/stat");
    expect(stat.czxid).toBe(stat.mzxid);
    expect(stat.pzxid).toBe(stat.czxid);
    expect(stat.czxid).toBeGreaterThan(0n);
    expect(stat.ctime).toBe(stat.mtime);
    expect(stat.ctime).toBeGreaterThanOrEqual(before - 1000);
    expect(stat).toMatchObject({ version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 5, numChildren: 0 });
    expect(c.lastZxidSeen).toBeGreaterThanOrEqual(stat.czxid);
  });

  it("refuses an existing node, a missing parent and a child of an ephemeral", async () => {
    await c.create("/dup");
    await expect(c.create("/dup")).rejects.toBeInstanceOf(NodeExistsError);
    await expect(c.create("/missing/child")).rejects.toBeInstanceOf(NoNodeError);
    await c.create("/eph-parent", "", { mode: CreateMode.EPHEMERAL });
    await expect(c.create("/eph-parent/child")).rejects.toBeInstanceOf(NoChildrenForEphemeralsError);
  });

  it("names sequential nodes with the parent's cversion, zero-padded to ten digits", async () => {
    await c.create("/seq");
    expect(await c.create("/seq/n-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe("/seq/n-0000000000");
    await c.create("/seq/plain");
    expect(await c.create("/seq/n-", "", { mode: CreateMode.EPHEMERAL_SEQUENTIAL })).toBe("/seq/n-0000000002");
    expect(await c.create("/seq/", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe("/seq/0000000003");
  });

  it("marks an ephemeral node with the owner's session id, and getEphemerals lists it", async () => {
    const { stat } = await c.createWithStat("/eph", "", { mode: CreateMode.EPHEMERAL });
    expect(stat.ephemeralOwner).toBe(c.sessionId);
    // The argument is a string prefix, as ZooKeeper's: "/eph" also matches "/eph-parent".
    expect(await c.getEphemerals("/eph")).toEqual(["/eph", "/eph-parent"]);
    expect(await c.getEphemerals("/eph-")).toEqual(["/eph-parent"]);
    const other = await s.client();
    expect(await other.getEphemerals()).toEqual([]);
  });

  it("removes a container once its last child is gone, and never one that never had a child", async () => {
    const { stat } = await c.createWithStat("/box", "", { mode: CreateMode.CONTAINER });
    expect(stat.ephemeralOwner).toBe(CONTAINER_EPHEMERAL_OWNER);
    await c.create("/box-new", "", { mode: CreateMode.CONTAINER });
    await c.create("/box/item");
    await c.delete("/box/item");
    // The cleanup pass that removes /box considers every container, /box-new included.
    await waitFor("the emptied container to be removed", async () => (await c.exists("/box")) === null, 5000);
    expect(await c.exists("/box-new")).not.toBeNull();
  });

  it("removes a TTL node left unchanged and childless for longer than its TTL", async () => {
    const { stat } = await c.createWithStat("/ttl", "", { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 300 });
    expect(stat.ephemeralOwner & TTL_EPHEMERAL_OWNER_MASK).toBe(TTL_EPHEMERAL_OWNER_MASK);
    expect(stat.ephemeralOwner & 0xffffffffffn).toBe(300n);
    const long = await c.create("/ttlseq-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: 60_000 });
    expect(long).toMatch(/^\/ttlseq-\d{10}$/);
    await waitFor("the TTL node to expire", async () => (await c.exists("/ttl")) === null, 5000);
    expect(await c.exists(long)).not.toBeNull();
  });

  it("refuses a TTL mode without a TTL and a TTL without a TTL mode", async () => {
    await expect(c.create("/ttl-bad", "", { mode: CreateMode.PERSISTENT_WITH_TTL })).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.create("/ttl-bad", "", { ttl: 100 })).rejects.toBeInstanceOf(BadArgumentsError);
  });
});

describe("delete and setData", () => {
  it("checks the expected version, -1 matching any", async () => {
    await c.create("/v", "0");
    await expect(c.setData("/v", "x", 5)).rejects.toBeInstanceOf(BadVersionError);
    const s1 = await c.setData("/v", "1", 0);
    expect(s1.version).toBe(1);
    expect(s1.mzxid).toBeGreaterThan(s1.czxid);
    expect(s1.dataLength).toBe(1);
    const s2 = await c.setData("/v", "22", -1);
    expect(s2.version).toBe(2);
    await expect(c.delete("/v", 1)).rejects.toBeInstanceOf(BadVersionError);
    await c.delete("/v", 2);
    await expect(c.delete("/v")).rejects.toBeInstanceOf(NoNodeError);
    await expect(c.setData("/v", "x")).rejects.toBeInstanceOf(NoNodeError);
  });

  it("refuses to delete a node with children; a child's delete moves the parent's pzxid, not its cversion", async () => {
    await c.create("/p");
    const child = await c.createWithStat("/p/a");
    const parent = (await c.exists("/p"))!;
    expect(parent).toMatchObject({ numChildren: 1, cversion: 1, pzxid: child.stat.czxid });
    await expect(c.delete("/p")).rejects.toBeInstanceOf(NotEmptyError);
    await c.delete("/p/a");
    const after = (await c.exists("/p"))!;
    expect(after.numChildren).toBe(0);
    expect(after.cversion).toBe(1); // as ZooKeeper's DataTree.deleteNode: a delete moves pzxid only
    expect(after.pzxid).toBeGreaterThan(child.stat.czxid);
    expect(after.version).toBe(0);
  });
});

describe("reads", () => {
  it("getData returns the bytes and Stat; exists returns null for a missing node", async () => {
    await c.create("/r", new Uint8Array([0, 1, 255]));
    const { data, stat } = await c.getData("/r");
    expect([...data]).toEqual([0, 1, 255]);
    expect(stat.dataLength).toBe(3);
    expect(await c.exists("/r-missing")).toBeNull();
    await expect(c.getData("/r-missing")).rejects.toBeInstanceOf(NoNodeError);
  });

  it("getChildren lists names, and with stat (getChildren2) the parent's Stat", async () => {
    await c.create("/kids");
    for (const n of ["b", "a", "c"]) await c.create(`/kids/${n}`);
    expect((await c.getChildren("/kids")).sort()).toEqual(["a", "b", "c"]);
    const r = await c.getChildren("/kids", { stat: true });
    expect(r.children.sort()).toEqual(["a", "b", "c"]);
    expect(r.stat).toMatchObject({ numChildren: 3, cversion: 3 });
    await expect(c.getChildren("/kids-missing")).rejects.toBeInstanceOf(NoNodeError);
  });

  it("getAllChildrenNumber counts every descendant", async () => {
    await c.create("/all");
    await c.create("/all/a");
    await c.create("/all/a/b");
    await c.create("/all/c");
    expect(await c.getAllChildrenNumber("/all")).toBe(3);
    expect(await c.getAllChildrenNumber("/all/c")).toBe(0);
  });

  it("multiRead answers each op, a failing op as its own error", async () => {
    await c.create("/mr", "d");
    await c.create("/mr/x");
    const r = await c.multiRead([
      { type: "getData", path: "/mr" },
      { type: "getChildren", path: "/mr" },
      { type: "getData", path: "/mr-missing" },
    ]);
    expect(r[0]).toMatchObject({ type: "getData" });
    expect(r[0]!.type === "getData" && text(r[0]!.data)).toBe("d");
    expect(r[1]).toEqual({ type: "getChildren", children: ["x"] });
    expect(r[2]!.type === "error" && r[2]!.error).toBeInstanceOf(NoNodeError);
  });

  it("sync answers with its path and a later read sees every earlier write", async () => {
    const other = await s.client();
    await other.create("/synced", "v1");
    expect(await c.sync("/synced")).toBe("/synced");
    expect(text((await c.getData("/synced")).data)).toBe("v1");
  });

  it("whoAmI reports the ip identity and, after addAuth, the digest one", async () => {
    const me = await s.client();
    expect(await me.whoAmI()).toEqual([{ scheme: "ip", id: "127.0.0.1" }]);
    await me.addAuth("digest", "ann:secret");
    expect(await me.whoAmI()).toEqual([
      { scheme: "ip", id: "127.0.0.1" },
      { scheme: "digest", id: "ann" },
    ]);
  });

  it("getConfig reads /zookeeper/config (empty for a standalone server)", async () => {
    const r = await c.getConfig().catch((e: unknown) => e);
    // ZooKeeper answers NoNode when no dynamic config exists; an empty node is equally fine.
    if (r instanceof Error) expect(r).toBeInstanceOf(NoNodeError);
    else expect(r.stat).toBeDefined();
  });
});

describe("ACLs through the client", () => {
  it("getACL returns the node's ACL and aversion; setACL checks the version and bumps aversion", async () => {
    await c.create("/acl", "", { acl: OPEN_ACL_UNSAFE });
    const { acl, stat } = await c.getACL("/acl");
    expect(acl).toEqual([{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }]);
    expect(stat.aversion).toBe(0);
    const readOnly = [{ perms: Perms.READ, id: { scheme: "world", id: "anyone" } }];
    await expect(c.setACL("/acl", readOnly, 3)).rejects.toBeInstanceOf(BadVersionError);
    const st = await c.setACL("/acl", readOnly, 0);
    expect(st.aversion).toBe(1);
    expect((await c.getACL("/acl")).acl).toEqual(readOnly);
  });
});

describe("multi", () => {
  it("applies every op atomically and returns each op's result", async () => {
    await c.create("/m", "0");
    const results = await c
      .transaction()
      .create("/m/a", "x")
      .setData("/m", "1", 0)
      .check("/m", 1)
      .create("/m/s-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL })
      .delete("/m/a")
      .commit();
    expect(results.map((r) => r.type)).toEqual(["create", "setData", "check", "create", "delete"]);
    expect(results[0]).toMatchObject({ type: "create", path: "/m/a" });
    expect(results[1]).toMatchObject({ type: "setData", stat: { version: 1 } });
    expect(results[3]).toMatchObject({ type: "create", path: "/m/s-0000000001" });
    // All ops share one zxid.
    const a = results[0]!.type === "create" ? results[0]!.stat.czxid : -1n;
    expect(results[1]!.type === "setData" && results[1]!.stat.mzxid).toBe(a);
    expect(await c.getChildren("/m")).toEqual(["s-0000000001"]);
  });

  it("on a failing op changes nothing and reports OK, the error, then RUNTIME_INCONSISTENCY", async () => {
    await c.create("/mf", "0");
    const err = await c
      .transaction()
      .create("/mf/a")
      .check("/mf", 7)
      .setData("/mf", "x")
      .commit()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionError);
    const t = err as TransactionError;
    expect(t.failedOpIndex).toBe(1);
    expect(t.cause).toBeInstanceOf(BadVersionError);
    expect(t.results).toEqual([
      { type: "error", err: ErrorCode.OK },
      { type: "error", err: ErrorCode.BAD_VERSION },
      { type: "error", err: ErrorCode.RUNTIME_INCONSISTENCY },
    ]);
    expect(await c.exists("/mf/a")).toBeNull();
    expect((await c.getData("/mf")).stat.version).toBe(0);
  });
});

describe("chroot", () => {
  it("applies the chroot to every path sent and strips it from every path received", async () => {
    await c.create("/app");
    const r = await s.client({}, "/app");
    expect(await r.create("/x-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe("/x-0000000000");
    expect(await c.getChildren("/app")).toEqual(["x-0000000000"]);
    const results = await r.transaction().create("/y").commit();
    expect(results[0]).toMatchObject({ path: "/y" });
  });
});
