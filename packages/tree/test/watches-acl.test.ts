import { describe, expect, it } from "vitest";
import { AddWatchMode, EventType, Perms, WatcherType } from "@warden/protocol";
import { WatchRegistry, checkACL, digestId, fixupACL, ipMatches } from "@warden/tree";
import { Harness } from "./harness.js";

const fired = (_h: Harness, f: () => { events: { sessionId: bigint; event: { type: number; path: string } }[] }) =>
  f().events.map((e) => [e.sessionId, e.event.type, e.event.path]);

describe("watches fire as ZooKeeper's", () => {
  it("NodeCreated fires exist watches on the path and child watches on the parent, once", () => {
    const h = new Harness();
    const ctx = { sessionId: 7n, identities: [] };
    expect(() => h.tree.read({ type: "exists", path: "/a", watch: true }, ctx)).toThrow();
    h.tree.read({ type: "getChildren", path: "/", watch: true, withStat: false }, ctx);
    expect(fired(h, () => h.create("/a"))).toEqual([
      [7n, EventType.NodeCreated, "/a"],
      [7n, EventType.NodeChildrenChanged, "/"],
    ]);
    expect(fired(h, () => h.create("/b"))).toEqual([]);
  });

  it("NodeDeleted fires data and child watches on the path once per session, and the parent's child watch", () => {
    const h = new Harness();
    h.create("/a");
    const ctx = { sessionId: 7n, identities: [] };
    h.tree.read({ type: "getData", path: "/a", watch: true }, ctx);
    h.tree.read({ type: "getChildren", path: "/a", watch: true, withStat: false }, ctx);
    h.tree.read({ type: "getChildren", path: "/", watch: true, withStat: false }, { sessionId: 8n, identities: [] });
    expect(fired(h, () => h.write({ type: "delete", path: "/a", version: -1 }))).toEqual([
      [7n, EventType.NodeDeleted, "/a"],
      [8n, EventType.NodeChildrenChanged, "/"],
    ]);
    expect(h.tree.watches.counts).toEqual({ sessions: 0, paths: 0, watches: 0 });
  });

  it("persistent-recursive watches see creates, deletes and changes below, never NodeChildrenChanged", () => {
    const h = new Harness();
    h.tree.watches.addWatch(3n, "/r", AddWatchMode.PERSISTENT_RECURSIVE);
    h.tree.watches.addWatch(4n, "/r", AddWatchMode.PERSISTENT);
    expect(fired(h, () => h.create("/r"))).toEqual([
      [3n, EventType.NodeCreated, "/r"],
      [4n, EventType.NodeCreated, "/r"],
    ]);
    expect(fired(h, () => h.create("/r/x"))).toEqual([
      [3n, EventType.NodeCreated, "/r/x"],
      [4n, EventType.NodeChildrenChanged, "/r"],
    ]);
    expect(fired(h, () => h.write({ type: "setData", path: "/r/x", data: new Uint8Array(1), version: -1 }))).toEqual([
      [3n, EventType.NodeDataChanged, "/r/x"],
    ]);
    expect(fired(h, () => h.write({ type: "delete", path: "/r/x", version: -1 }))).toEqual([
      [3n, EventType.NodeDeleted, "/r/x"],
      [4n, EventType.NodeChildrenChanged, "/r"],
    ]);
    expect(h.tree.watches.removeWatches(3n, "/r", WatcherType.PersistentRecursive)).toBe(true);
    expect(h.tree.watches.removeWatches(3n, "/r", WatcherType.PersistentRecursive)).toBe(false);
    expect(h.tree.watches.containsWatch(4n, "/r", WatcherType.Persistent)).toBe(true);
    h.tree.watches.removeSession(4n);
    expect(fired(h, () => h.create("/r/y"))).toEqual([]);
  });

  it("setWatches delivers what the client missed since relativeZxid and registers the rest", () => {
    const h = new Harness();
    h.create("/a");
    h.create("/b");
    h.write({ type: "setData", path: "/b", data: new Uint8Array(1), version: -1 });
    const events = h.tree.setWatches(5n, {
      relativeZxid: 2n,
      dataWatches: ["/a", "/b", "/gone"],
      existWatches: ["/a", "/new"],
      childWatches: ["/"],
      persistentWatches: [],
      persistentRecursiveWatches: [],
    });
    expect(events.map((e) => [e.type, e.path])).toEqual([
      [EventType.NodeDataChanged, "/b"],
      [EventType.NodeDeleted, "/gone"],
      [EventType.NodeCreated, "/a"],
    ]);
    expect(h.tree.watches.pathsBySession().get(5n)).toEqual(["/", "/a", "/new"]);
  });

  it("removeWatches by kind, and counts by session and path", () => {
    const w = new WatchRegistry();
    w.addDataWatch(1n, "/a");
    w.addChildWatch(1n, "/a");
    w.addDataWatch(2n, "/a");
    expect(w.counts).toEqual({ sessions: 2, paths: 1, watches: 3 });
    expect(w.sessionsByPath().get("/a")).toEqual([1n, 2n]);
    expect(w.removeWatches(1n, "/a", WatcherType.Children)).toBe(true);
    expect(w.containsWatch(1n, "/a", WatcherType.Data)).toBe(true);
    expect(w.removeWatches(1n, "/a", WatcherType.Any)).toBe(true);
    expect(w.counts).toEqual({ sessions: 1, paths: 1, watches: 1 });
  });
});

describe("ACLs", () => {
  it("digest ids are user:base64(sha1(user:password)) as ZooKeeper's", () => {
    expect(digestId("super", "admin")).toBe("super:xQJmxLMiHGwaqBvst5y6rkB6HQs=");
  });

  it("ip matches IPv4 and IPv6 CIDRs", () => {
    expect(ipMatches("10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(ipMatches("11.1.2.3", "10.0.0.0/8")).toBe(false);
    expect(ipMatches("192.168.1.130", "192.168.1.128/25")).toBe(true);
    expect(ipMatches("192.168.1.127", "192.168.1.128/25")).toBe(false);
    expect(ipMatches("127.0.0.1", "127.0.0.1")).toBe(true);
    expect(ipMatches("2001:db8::1", "2001:db8::/32")).toBe(true);
    expect(ipMatches("2001:db9::1", "2001:db8::/32")).toBe(false);
    expect(ipMatches("::1", "0:0:0:0:0:0:0:1")).toBe(true);
    expect(ipMatches("10.0.0.1", "::/0")).toBe(false);
    expect(ipMatches("10.0.0.1", "10.0.0.0/33")).toBe(false);
  });

  it("checkACL: any matching entry with the perm, world:anyone, super, and empty ACLs", () => {
    const acl = [{ perms: Perms.READ | Perms.WRITE, id: { scheme: "digest", id: "u:h" } }];
    expect(checkACL(acl, Perms.READ, [{ scheme: "digest", id: "u:h" }])).toBe(true);
    expect(checkACL(acl, Perms.DELETE, [{ scheme: "digest", id: "u:h" }])).toBe(false);
    expect(checkACL(acl, Perms.DELETE, [{ scheme: "super", id: "" }])).toBe(true);
    expect(checkACL(acl, Perms.DELETE, [], true)).toBe(true);
    expect(checkACL([], Perms.ADMIN, [])).toBe(true);
    expect(checkACL([{ perms: Perms.ALL, id: { scheme: "world", id: "someone" } }], Perms.READ, [])).toBe(false);
  });

  it("fixupACL rejects unknown schemes, bad digest and ip ids, and removes duplicates", () => {
    const w = { perms: Perms.ALL, id: { scheme: "world", id: "anyone" } };
    expect(fixupACL("/p", [], [w, w])).toEqual([w]);
    for (const id of [
      { scheme: "digest", id: "nocolon" },
      { scheme: "digest", id: "a:b:c" },
      { scheme: "ip", id: "10.0.0.0/40" },
      { scheme: "x", id: "y" },
      { scheme: "world", id: "me" },
    ]) {
      expect(() => fixupACL("/p", [], [{ perms: 1, id }])).toThrow(expect.objectContaining({ code: "WARDEN_ERR_INVALID_ACL", path: "/p" }));
    }
  });

  it("x509 ids are distinguished names compared as strings (X509AuthenticationProvider); auth expands to the certificate's identity", () => {
    const dn = "CN=client,OU=ops,O=Example\\, Inc.,C=US";
    const acl = [{ perms: Perms.READ, id: { scheme: "x509", id: dn } }];
    expect(fixupACL("/p", [], acl)).toEqual(acl);
    expect(fixupACL("/p", [], [{ perms: 1, id: { scheme: "x509", id: "1.2.840.113549.1.9.1=#16056140622e63+CN=x" } }])).toHaveLength(1);
    for (const bad of ["client", "CN=a,nope", "=x"]) {
      expect(() => fixupACL("/p", [], [{ perms: 1, id: { scheme: "x509", id: bad } }]), bad).toThrow(
        expect.objectContaining({ code: "WARDEN_ERR_INVALID_ACL" }),
      );
    }
    expect(checkACL(acl, Perms.READ, [{ scheme: "x509", id: dn }])).toBe(true);
    expect(checkACL(acl, Perms.READ, [{ scheme: "x509", id: dn.toLowerCase() }])).toBe(false);
    expect(checkACL(acl, Perms.READ, [{ scheme: "digest", id: dn }])).toBe(false);
    expect(
      fixupACL(
        "/p",
        [
          { scheme: "ip", id: "10.0.0.1" },
          { scheme: "x509", id: dn },
        ],
        [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }],
      ),
    ).toEqual([{ perms: Perms.ALL, id: { scheme: "x509", id: dn } }]);
  });
});
