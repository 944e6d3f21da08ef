// npm's node-zookeeper-client 1.x against a standalone Warden: every operation it offers,
// with ZooKeeper's results and error codes, and one-shot watches.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { call, closeClient, commit, connectClient, errorCode, nextEvent, sessionIdHex, zookeeper, type NzkClient } from "./nzk.js";
import { startStandalone, waitFor, type Standalone } from "./helpers.js";

const { CreateMode, ACL, Id, Permission, Exception, Event } = zookeeper;
const buf = (s: string) => Buffer.from(s);
const digest = (user: string, password: string) => `${user}:${createHash("sha1").update(`${user}:${password}`).digest("base64")}`;

describe("node-zookeeper-client against a standalone Warden", () => {
  let warden: Standalone;
  let client: NzkClient;
  let other: NzkClient;
  beforeAll(async () => {
    warden = await startStandalone();
    client = await connectClient(warden.hostPort);
    other = await connectClient(warden.hostPort);
  });
  afterAll(async () => {
    await closeClient(client);
    await closeClient(other);
    await warden?.stop();
  });

  describe("create", () => {
    it("creates a persistent node with data and returns its path", async () => {
      expect(await call(client, "create", "/p", buf("hello"), CreateMode.PERSISTENT)).toBe("/p");
      const [data, stat] = await call(client, "getData", "/p");
      expect(data.toString()).toBe("hello");
      expect(stat.version).toBe(0);
      expect(stat.dataLength).toBe(5);
      expect(stat.numChildren).toBe(0);
    });

    it("creates a node without data, which reads back as null as in ZooKeeper", async () => {
      await call(client, "create", "/nodata");
      const [data, stat] = await call(client, "getData", "/nodata");
      // It sends no data as a null buffer (length -1) and reads one back as undefined, as from ZooKeeper.
      expect(data).toBeUndefined();
      expect(stat.dataLength).toBe(0);
    });

    it("creates an ephemeral node owned by the session", async () => {
      await call(client, "create", "/eph", buf("e"), CreateMode.EPHEMERAL);
      const stat = await call(other, "exists", "/eph");
      expect(stat.ephemeralOwner.toString("hex")).toBe(client.getSessionId().toString("hex"));
    });

    it("names sequential nodes with the parent's cversion in ten digits", async () => {
      await call(client, "create", "/seq");
      const a = await call(client, "create", "/seq/n-", CreateMode.PERSISTENT_SEQUENTIAL);
      const b = await call(client, "create", "/seq/n-", CreateMode.EPHEMERAL_SEQUENTIAL);
      await call(client, "create", "/seq/plain");
      const c = await call(client, "create", "/seq/n-", CreateMode.PERSISTENT_SEQUENTIAL);
      expect([a, b, c]).toEqual(["/seq/n-0000000000", "/seq/n-0000000001", "/seq/n-0000000003"]);
      expect((await call(other, "exists", b)).ephemeralOwner.toString("hex")).toBe(client.getSessionId().toString("hex"));
    });

    it("refuses an existing node with NODE_EXISTS, a missing parent with NO_NODE, a child of an ephemeral with NO_CHILDREN_FOR_EPHEMERALS", async () => {
      expect(await errorCode(call(client, "create", "/p"))).toBe(Exception.NODE_EXISTS);
      expect(await errorCode(call(client, "create", "/missing/child"))).toBe(Exception.NO_NODE);
      expect(await errorCode(call(client, "create", "/eph/child"))).toBe(Exception.NO_CHILDREN_FOR_EPHEMERALS);
    });

    it("mkdirp creates every missing ancestor and returns the path", async () => {
      expect(await call(client, "mkdirp", "/deep/a/b/c", buf("leaf"))).toBe("/deep/a/b/c");
      expect((await call(client, "getData", "/deep/a/b/c"))[0].toString()).toBe("leaf");
      expect(await call(client, "mkdirp", "/deep/a/b/c")).toBe("/deep/a/b/c"); // already there: fine
    });
  });

  describe("read and write", () => {
    it("exists returns the stat of a node and null for a missing one", async () => {
      expect((await call(client, "exists", "/p")).version).toBe(0);
      expect(await call(client, "exists", "/nothing-here")).toBeNull();
    });

    it("setData with the right version bumps the version; a stale version fails with BAD_VERSION", async () => {
      await call(client, "create", "/v", buf("0"));
      const stat = await call(client, "setData", "/v", buf("1"), 0);
      expect(stat.version).toBe(1);
      expect(await errorCode(call(client, "setData", "/v", buf("x"), 0))).toBe(Exception.BAD_VERSION);
      expect((await call(client, "setData", "/v", buf("2"), -1)).version).toBe(2);
      expect((await call(other, "getData", "/v"))[0].toString()).toBe("2");
      expect(await errorCode(call(client, "setData", "/nope", buf("x"), -1))).toBe(Exception.NO_NODE);
    });

    it("getChildren returns the names and the parent's stat (getChildren2)", async () => {
      await call(client, "mkdirp", "/kids");
      for (const k of ["b", "a", "c"]) await call(client, "create", `/kids/${k}`);
      const [children, stat] = await call(client, "getChildren", "/kids");
      expect([...children].sort()).toEqual(["a", "b", "c"]);
      expect(stat.numChildren).toBe(3);
      expect(stat.cversion).toBe(3);
    });

    // node-zookeeper-client 1.1.3 with async 3 stops listSubTreeBFS (and so removeRecursive)
    // after the first level; it does the same against ZooKeeper 3.8, so one level is tested.
    it("listSubTreeBFS lists a node and its children", async () => {
      await call(client, "mkdirp", "/flat/x");
      await call(client, "create", "/flat/y");
      expect([...(await call(client, "listSubTreeBFS", "/flat"))].sort()).toEqual(["/flat", "/flat/x", "/flat/y"]);
    });

    it("round-trips 512 KiB of binary data", async () => {
      const big = Buffer.alloc(512 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
      await call(client, "create", "/big", big);
      const [data, stat] = await call(other, "getData", "/big");
      expect(Buffer.compare(data, big)).toBe(0);
      expect(stat.dataLength).toBe(big.length);
    });

    it("remove checks the version, refuses a parent with NOT_EMPTY and a missing node with NO_NODE", async () => {
      await call(client, "create", "/r", buf("x"));
      expect(await errorCode(call(client, "remove", "/r", 5))).toBe(Exception.BAD_VERSION);
      await call(client, "remove", "/r", 0);
      expect(await call(client, "exists", "/r")).toBeNull();
      expect(await errorCode(call(client, "remove", "/kids", -1))).toBe(Exception.NOT_EMPTY);
      expect(await errorCode(call(client, "remove", "/r", -1))).toBe(Exception.NO_NODE);
    });

    it("removeRecursive deletes a node and its children", async () => {
      await call(client, "removeRecursive", "/flat", -1);
      expect(await call(client, "exists", "/flat")).toBeNull();
    });

    it("the negotiated session timeout is clamped to maxSessionTimeout (20 ticks)", async () => {
      const c = await connectClient(warden.hostPort, { sessionTimeout: 100_000 });
      expect(c.getSessionTimeout()).toBe(40_000);
      await closeClient(c);
    });
  });

  describe("watches", () => {
    it("getData's watch fires NODE_DATA_CHANGED once, then NODE_DELETED on a new watch", async () => {
      await call(client, "create", "/w", buf("a"));
      const first = nextEvent();
      let fired = 0;
      await call(client, "getData", "/w", (e: unknown) => {
        fired++;
        first.watcher(e);
      });
      await call(other, "setData", "/w", buf("b"), -1);
      const e1 = await first.event;
      expect(e1.getType()).toBe(Event.NODE_DATA_CHANGED);
      expect(e1.getPath()).toBe("/w");
      await call(other, "setData", "/w", buf("c"), -1); // one-shot: no second event
      const second = nextEvent();
      await call(client, "getData", "/w", second.watcher);
      await call(other, "remove", "/w", -1);
      expect((await second.event).getType()).toBe(Event.NODE_DELETED);
      expect(fired).toBe(1);
    });

    it("exists on a missing node watches for NODE_CREATED", async () => {
      const w = nextEvent();
      expect(await call(client, "exists", "/later", w.watcher)).toBeNull();
      await call(other, "create", "/later");
      const e = await w.event;
      expect(e.getType()).toBe(Event.NODE_CREATED);
      expect(e.getPath()).toBe("/later");
    });

    it("getChildren's watch fires NODE_CHILDREN_CHANGED on a child created and on one deleted", async () => {
      await call(client, "create", "/cw");
      const w1 = nextEvent();
      await call(client, "getChildren", "/cw", w1.watcher);
      await call(other, "create", "/cw/one");
      expect((await w1.event).getType()).toBe(Event.NODE_CHILDREN_CHANGED);
      const w2 = nextEvent();
      await call(client, "getChildren", "/cw", w2.watcher);
      await call(other, "remove", "/cw/one", -1);
      expect((await w2.event).getType()).toBe(Event.NODE_CHILDREN_CHANGED);
    });

    it("a watch event arrives before the reply to a read that sees the change (watch before data)", async () => {
      await call(client, "create", "/order", buf("1"));
      const seen: string[] = [];
      await call(client, "getData", "/order", () => seen.push("event"));
      await call(other, "setData", "/order", buf("2"), -1);
      await waitFor("the new value", async () => ((await call(client, "getData", "/order"))[0].toString() === "2" ? true : undefined));
      seen.push("reply");
      expect(seen).toEqual(["event", "reply"]);
    });

    it("closing a session deletes its ephemerals and fires the other session's watches", async () => {
      const c = await connectClient(warden.hostPort);
      await call(c, "create", "/gone", buf(""), CreateMode.EPHEMERAL);
      const w = nextEvent();
      expect(await call(other, "exists", "/gone", w.watcher)).not.toBeNull();
      await closeClient(c);
      expect((await w.event).getType()).toBe(Event.NODE_DELETED);
      expect(await call(other, "exists", "/gone")).toBeNull();
    });
  });

  describe("ACLs and digest authentication", () => {
    it("getACL returns world:anyone with all permissions for an open node", async () => {
      const [acls, stat] = await call(client, "getACL", "/p");
      expect(acls.map((a: any) => [a.id.scheme, a.id.id, a.permission])).toEqual([["world", "anyone", Permission.ALL]]);
      expect(stat.aversion).toBe(0);
    });

    it("setACL checks the ACL version and bumps it; getACL reads the new list back", async () => {
      await call(client, "create", "/acl", buf("x"));
      const readOnly = [new ACL(Permission.READ, new Id("world", "anyone"))];
      expect(await errorCode(call(client, "setACL", "/acl", readOnly, 3))).toBe(Exception.BAD_VERSION);
      const stat = await call(client, "setACL", "/acl", readOnly, 0);
      expect(stat.aversion).toBe(1);
      const [acls] = await call(other, "getACL", "/acl");
      expect(acls.map((a: any) => a.permission)).toEqual([Permission.READ]);
      expect(await errorCode(call(other, "setData", "/acl", buf("y"), -1))).toBe(Exception.NO_AUTH);
      expect((await call(other, "getData", "/acl"))[0].toString()).toBe("x");
    });

    it("a digest ACL admits the session that added the matching digest auth and refuses others with NO_AUTH", async () => {
      const alice = await connectClient(warden.hostPort);
      alice.addAuthInfo("digest", buf("alice:secret"));
      await call(alice, "create", "/secret", buf("s3cr3t"), [new ACL(Permission.ALL, new Id("digest", digest("alice", "secret")))]);
      expect((await call(alice, "getData", "/secret"))[0].toString()).toBe("s3cr3t");
      expect(await errorCode(call(other, "getData", "/secret"))).toBe(Exception.NO_AUTH);
      const [acls] = await call(alice, "getACL", "/secret");
      expect(acls[0].id.scheme).toBe("digest");
      expect(acls[0].id.id).toBe(digest("alice", "secret"));
      await closeClient(alice);
    });

    it("the auth scheme (CREATOR_ALL_ACL) gives the node to the creator's digest identity", async () => {
      const bob = await connectClient(warden.hostPort);
      bob.addAuthInfo("digest", buf("bob:pw"));
      await call(bob, "create", "/bobs", buf("b"), ACL.CREATOR_ALL_ACL);
      const [acls] = await call(bob, "getACL", "/bobs");
      expect(acls.map((a: any) => `${a.id.scheme}:${a.id.id}`)).toEqual([`digest:${digest("bob", "pw")}`]);
      expect(await errorCode(call(other, "getData", "/bobs"))).toBe(Exception.NO_AUTH);
      await closeClient(bob);
    });

    it("CREATOR_ALL_ACL without any authentication is refused with INVALID_ACL", async () => {
      expect(await errorCode(call(other, "create", "/noauth", buf(""), ACL.CREATOR_ALL_ACL))).toBe(Exception.INVALID_ACL);
    });

    it("a wrong password is not an error at addAuthInfo, it just matches no ACL", async () => {
      const mallory = await connectClient(warden.hostPort);
      mallory.addAuthInfo("digest", buf("alice:wrong"));
      expect(await errorCode(call(mallory, "getData", "/secret"))).toBe(Exception.NO_AUTH);
      await closeClient(mallory);
    });
  });

  describe("transaction (multi)", () => {
    it("commits create, setData, check and remove atomically with per-op results", async () => {
      await call(client, "create", "/tx", buf("0"));
      await call(client, "create", "/tx/old");
      const { err, results } = await commit(
        client.transaction().create("/tx/new", buf("n")).setData("/tx", buf("1"), 0).check("/tx", 1).remove("/tx/old", -1),
      );
      expect(err).toBeFalsy();
      expect(results.map((r: any) => r.type)).toEqual([1, 5, 13, 2]);
      expect(results[0].path).toBe("/tx/new");
      expect(results[1].stat.version).toBe(1);
      const [children] = await call(other, "getChildren", "/tx");
      expect(children).toEqual(["new"]);
    });

    it("a failing op aborts the whole transaction, reports its error and changes nothing", async () => {
      const { err, results } = await commit(client.transaction().create("/tx/never").setData("/tx", buf("x"), 99).remove("/tx/new"));
      expect((err as any).code).toBe(Exception.BAD_VERSION);
      expect(results.map((r: any) => r.err)).toEqual([0, Exception.BAD_VERSION, Exception.RUNTIME_INCONSISTENCY]);
      expect(await call(other, "exists", "/tx/never")).toBeNull();
      expect((await call(other, "getData", "/tx"))[0].toString()).toBe("1");
    });

    it("creates sequential and ephemeral nodes inside a transaction", async () => {
      await call(client, "create", "/txs");
      const { err, results } = await commit(
        client.transaction().create("/txs/q-", buf(""), CreateMode.PERSISTENT_SEQUENTIAL).create("/txs/e", buf(""), CreateMode.EPHEMERAL),
      );
      expect(err).toBeFalsy();
      expect(results[0].path).toBe("/txs/q-0000000000");
      expect((await call(other, "exists", "/txs/e")).ephemeralOwner.toString("hex")).toBe(client.getSessionId().toString("hex"));
    });
  });

  describe("sessions", () => {
    it("a new client given the session id and password reattaches to the same session and its ephemerals", async () => {
      const first = await connectClient(warden.hostPort);
      await call(first, "create", "/mine", buf(""), CreateMode.EPHEMERAL);
      // The first client goes silent as a crashed process would: its socket closes, it never reconnects.
      first.connectionManager.connect = () => {};
      first.connectionManager.socket.destroy();
      const second = await connectClient(warden.hostPort, { sessionId: first.getSessionId(), sessionPassword: first.getSessionPassword() });
      expect(sessionIdHex(second)).toBe(sessionIdHex(first));
      // The reattached connection owns the ephemeral and may delete it.
      await call(second, "remove", "/mine", -1);
      expect(await call(other, "exists", "/mine")).toBeNull();
      await closeClient(second);
    });

    it("a wrong session password is refused as an expired session", async () => {
      const first = await connectClient(warden.hostPort);
      const password = Buffer.from(first.getSessionPassword());
      password[0] ^= 0xff;
      const impostor = zookeeper.createClient(warden.hostPort, {
        sessionId: first.getSessionId(),
        sessionPassword: password,
        sessionTimeout: 10_000,
        spinDelay: 100,
      });
      const state = await new Promise<string>((resolve) => {
        impostor.once("expired", () => resolve("expired"));
        impostor.once("connected", () => resolve("connected"));
        impostor.connect();
      });
      impostor.close();
      expect(state).toBe("expired");
      await call(first, "exists", "/p"); // the real owner is unaffected
      await closeClient(first);
    });
  });
});
