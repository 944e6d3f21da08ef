import { describe, expect, it } from "vitest";
import {
  BadVersionError,
  CreateMode,
  EventType,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  Perms,
  BadArgumentsError,
} from "@warden/protocol";
import { TransactionError } from "@warden/client";
import { connect, startEnsemble, text } from "./helpers.js";

describe("client operations against the test server", () => {
  it("creates, reads, updates and deletes nodes with typed results and errors", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    expect(await c.create("/a", "hello")).toBe("/a");
    const { data, stat } = await c.getData("/a");
    expect(text(data)).toBe("hello");
    expect(stat.version).toBe(0);
    expect((await c.setData("/a", "bye", 0)).version).toBe(1);
    await expect(c.setData("/a", "x", 0)).rejects.toBeInstanceOf(BadVersionError);
    await expect(c.create("/a")).rejects.toBeInstanceOf(NodeExistsError);
    await expect(c.getData("/missing")).rejects.toBeInstanceOf(NoNodeError);
    expect(await c.exists("/missing")).toBeNull();
    expect((await c.exists("/a"))?.version).toBe(1);
    await c.create("/a/b");
    await expect(c.delete("/a")).rejects.toBeInstanceOf(NotEmptyError);
    expect(await c.getChildren("/a")).toEqual(["b"]);
    expect((await c.getChildren("/a", { stat: true })).stat.numChildren).toBe(1);
    expect(await c.getAllChildrenNumber("/")).toBe(2);
    await c.delete("/a/b");
    await c.delete("/a", 1);
    expect(await c.exists("/a")).toBeNull();
  });

  it("returns sequential names, stats and this session's ephemerals", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/q");
    const first = await c.createWithStat("/q/job-", "", { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
    expect(first.path).toBe("/q/job-0000000000");
    expect(first.stat.ephemeralOwner).toBe(c.sessionId);
    expect(await c.create("/q/job-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe("/q/job-0000000001");
    expect(await c.getEphemerals("/q")).toEqual(["/q/job-0000000000"]);
  });

  it("validates arguments before sending anything", async () => {
    const { servers, ensemble } = await startEnsemble();
    const c = await connect(servers, { limits: { dataBytesMax: 8 } });
    const sent = ensemble.log.length;
    await expect(c.create("relative")).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.create("/a/")).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.setData("/a", new Uint8Array(9))).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.create("/t", "", { mode: CreateMode.PERSISTENT_WITH_TTL })).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.delete("/a", -2)).rejects.toBeInstanceOf(BadArgumentsError);
    expect(ensemble.log.length).toBe(sent);
  });

  it("sets and reads ACLs, authenticates, and reports who it is", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/s", "", { acl: [{ perms: Perms.READ, id: { scheme: "world", id: "anyone" } }] });
    expect((await c.getACL("/s")).acl[0]!.perms).toBe(Perms.READ);
    expect((await c.setACL("/s", [{ perms: Perms.ALL, id: { scheme: "world", id: "anyone" } }], 0)).aversion).toBe(1);
    await c.addAuth("digest", "bob:secret");
    expect(await c.whoAmI()).toContainEqual({ scheme: "digest", id: "bob" });
    expect(text((await c.getConfig()).data)).toContain("server.1");
  });

  it("commits a transaction atomically and returns each op's result", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/t", "0");
    const results = await c.transaction().create("/t/a", "x").setData("/t", "1", 0).check("/t", 1).delete("/t/a").commit();
    expect(results.map((r) => r.type)).toEqual(["create", "setData", "check", "delete"]);
    expect(results[0]!.type === "create" && results[0]!.path).toBe("/t/a");
  });

  it("throws a TransactionError carrying every op's result when one op fails, and applies nothing", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/t");
    const failure = await c
      .transaction()
      .create("/t/a")
      .setData("/t", "x", 5)
      .create("/t/b")
      .commit()
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransactionError);
    const error = failure as TransactionError;
    expect(error.failedOpIndex).toBe(1);
    expect(error.cause).toBeInstanceOf(BadVersionError);
    expect(error.path).toBe("/t");
    expect(error.results.map((r) => (r.type === "error" ? r.err : r.type))).toEqual([0, -103, -2]);
    expect(await c.exists("/t/a")).toBeNull();
  });

  it("reads several nodes at once with multiRead, failures as typed errors", async () => {
    const { servers } = await startEnsemble();
    const c = await connect(servers);
    await c.create("/r", "data");
    const [a, b] = await c.multiRead([
      { type: "getData", path: "/r" },
      { type: "getChildren", path: "/none" },
    ]);
    expect(a!.type === "getData" && text(a!.data)).toBe("data");
    expect(b!.type === "error" && b!.error).toBeInstanceOf(NoNodeError);
  });

  it("applies and strips the chroot everywhere: paths, sequential names, results, watch events", async () => {
    const { servers, ensemble } = await startEnsemble();
    const root = await connect(servers);
    await root.create("/app");
    const c = await connect(servers, { chroot: "/app" });
    expect(c.chroot).toBe("/app");
    expect(await c.create("/x-", "", { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe("/x-0000000000");
    expect(ensemble.tree.nodes.has("/app/x-0000000000")).toBe(true);
    expect(await c.getChildren("/")).toEqual(["x-0000000000"]);
    const results = await c.transaction().create("/m").commit();
    expect(results[0]!.type === "create" && results[0]!.path).toBe("/m");
    expect(await c.sync("/m")).toBe("/m");
    const fired = new Promise((resolve) => void c.getData("/m", { watch: resolve }));
    await root.setData("/app/m", "changed");
    expect(await fired).toEqual({ type: EventType.NodeDataChanged, state: 3, path: "/m", zxid: expect.any(BigInt) });
  });
});
