import { describe, expect, it } from "vitest";
import { moveSelection, treeRows, type LoadedEntry } from "../src/tree-rows.js";
import { parseZxid, serverRows, Series, SERIES_POINTS_MAX, type Poll } from "../src/ensemble-model.js";
import { instanceView } from "../src/registry-model.js";
import { parseAdminJson, sessionRows } from "../src/sessions-model.js";
import { flattenJson } from "../src/commands-model.js";
import { consoleConfig } from "../src/ui/session.js";

describe("tree rows", () => {
  const entries = (e: Record<string, LoadedEntry>) => new Map(Object.entries(e));

  it("flattens expanded nodes depth first, with counts from getChildren and getAllChildrenNumber", () => {
    const rows = treeRows(
      entries({
        "/": { expanded: true, page: 0, children: ["b", "a"], descendants: 3 },
        "/a": { expanded: true, page: 0, children: ["x"], descendants: 1 },
      }),
      undefined,
    );
    expect(rows.map((r) => (r.kind === "node" ? r.path : r.kind))).toEqual(["/", "/a", "/a/x", "/b"]);
    expect(rows[0]).toMatchObject({ count: 2, descendants: 3 });
  });

  it("shows a pager past a page of children, and only that page", () => {
    const children = Array.from({ length: 5 }, (_, i) => `c${i}`);
    const rows = treeRows(entries({ "/": { expanded: true, page: 1, children } }), undefined, 2);
    expect(rows[1]).toMatchObject({ kind: "pager", index: 1, pages: 3, first: 3, last: 4, total: 5 });
    expect(rows.slice(2).map((r) => r.path)).toEqual(["/c2", "/c3"]);
  });

  it("says when a list is loading or not readable, never shows it as empty", () => {
    const rows = treeRows(
      entries({
        "/": { expanded: true, page: 0, children: ["a", "b"] },
        "/a": { expanded: true, page: 0, error: "not readable" },
        "/b": { expanded: true, page: 0 },
      }),
      undefined,
    );
    expect(rows.filter((r) => r.kind === "note").map((r) => r.kind === "note" && r.text)).toEqual(["not readable", "loading…"]);
  });

  it("filters the searched parent's children by prefix", () => {
    const rows = treeRows(entries({ "/": { expanded: true, page: 0, children: ["apple", "banana", "avocado"] } }), {
      parent: "/",
      prefix: "a",
    });
    expect(rows.slice(1).map((r) => r.path)).toEqual(["/apple", "/avocado"]);
  });

  it("moves the selection with the arrow keys, Home and End, over node rows only", () => {
    const rows = treeRows(entries({ "/": { expanded: true, page: 0, children: ["a", "b", "c"] } }), undefined, 2);
    expect(moveSelection(rows, "/", "ArrowDown")).toBe("/a");
    expect(moveSelection(rows, "/a", "ArrowUp")).toBe("/");
    expect(moveSelection(rows, "/b", "ArrowDown")).toBe("/b");
    expect(moveSelection(rows, "/b", "Home")).toBe("/");
    expect(moveSelection(rows, "/", "End")).toBe("/b");
    expect(moveSelection(rows, "/", "x")).toBeUndefined();
  });
});

describe("the ensemble model", () => {
  const up = (admin: string, monitor: Record<string, unknown>, atMs = 1000): Poll => ({ admin, atMs, up: true, monitor });

  it("reads mntr's zxid as hex or as a number", () => {
    expect(parseZxid("0x100000005")).toBe(0x100000005n);
    expect(parseZxid(5)).toBe(5n);
    expect(parseZxid("zz")).toBeUndefined();
  });

  it("computes each follower's lag behind the leader, and flags a down server and a lagging one", () => {
    const rows = serverRows([
      up("a", { server_state: "leader", zxid: "0x100000900" }),
      up("b", { server_state: "follower", zxid: "0x100000100" }),
      up("c", { server_state: "follower", zxid: "0x100000900" }),
      { admin: "d", atMs: 1000, up: false, error: "unreachable" },
    ]);
    expect(rows.map((r) => [r.role, r.lag])).toEqual([
      ["leader", 0],
      ["follower", 0x800],
      ["follower", 0],
      ["down", undefined],
    ]);
    expect(rows[1]!.alerts).toEqual(["lagging 2048 transactions"]);
    expect(rows[3]!.alerts).toEqual(["down: unreachable"]);
  });

  it("does not compare zxids across epochs, and says when no leader answers", () => {
    const rows = serverRows([
      up("a", { server_state: "follower", zxid: "0x200000001" }),
      up("b", { server_state: "looking", zxid: "0x100000009" }),
    ]);
    expect(rows.map((r) => r.lag)).toEqual([undefined, undefined]);
    expect(rows[1]!.alerts).toContain("looking for a leader");
    expect(rows[0]!.alerts).toContain("no leader reached");
  });

  it("keeps bounded series: throughput from the packets received between polls, gaps when down", () => {
    const s = new Series(["a"]);
    s.add([up("a", { avg_latency: 1, packets_received: 100 }, 0)]);
    s.add([up("a", { avg_latency: 2, packets_received: 300 }, 2000)]);
    s.add([{ admin: "a", atMs: 4000, up: false, error: "x" }]);
    expect(s.latency[0]).toEqual([1, 2, null]);
    expect(s.throughput[0]).toEqual([null, 100, null]);
    for (let i = 0; i < SERIES_POINTS_MAX + 10; i++) s.add([up("a", { avg_latency: 0, packets_received: 0 }, 6000 + i)]);
    expect(s.times).toHaveLength(SERIES_POINTS_MAX);
    expect(s.latency[0]).toHaveLength(SERIES_POINTS_MAX);
  });
});

describe("registry instances", () => {
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

  it("shows address, port, metadata and the registry-side check", () => {
    const v = instanceView(
      "i1",
      json({
        address: "10.0.0.1",
        port: 80,
        metadata: { v: "1" },
        status: "healthy",
        check: { status: "failing", output: "HTTP 500" },
        registeredAtMs: 0,
      }),
    );
    expect(v).toMatchObject({
      id: "i1",
      address: "10.0.0.1",
      port: 80,
      health: "failing",
      healthText: "failing: HTTP 500",
      metadata: "v=1",
    });
  });

  it("shows a self-reported unhealthy instance as such, and a node that is not a record as an error", () => {
    expect(instanceView("i", json({ status: "unhealthy" })).health).toBe("unhealthy");
    expect(instanceView("i", new TextEncoder().encode("nope")).error).toMatch(/not an instance record/);
    expect(instanceView("i", null).error).toMatch(/not an instance record/);
  });
});

describe("the console's connection settings", () => {
  const served = { serverId: 1, nativePort: 2281, secureNativePort: 0 };
  const loc = (search: string, protocol = "http:") => ({ protocol, hostname: "10.1.2.3", origin: `${protocol}//10.1.2.3:8080`, search });

  it("connects to the serving server's native port by default, and reads its own admin port", () => {
    expect(consoleConfig(loc(""), served)).toEqual({ connect: "ws://10.1.2.3:2281", admins: ["http://10.1.2.3:8080"] });
  });

  it("uses wss and the secure native port when the page came over HTTPS", () => {
    expect(consoleConfig(loc("", "https:"), { ...served, secureNativePort: 2282 }).connect).toBe("wss://10.1.2.3:2282");
  });

  it("takes ?connect= and ?admin=, keeping only admin origins", () => {
    const c = consoleConfig(loc("?connect=a:1,b:2&admin=http://b:8081/,javascript:alert(1),http://c:8082/x"), served);
    expect(c).toEqual({ connect: "a:1,b:2", admins: ["http://10.1.2.3:8080", "http://b:8081"] });
  });
});

describe("sessions from the admin ports", () => {
  it("keeps 64-bit session ids exact, joins connections and ephemerals by session", () => {
    const cons = parseAdminJson(
      '{"connections":[{"session_id": 72057594037927937, "remote_socket_address": "127.0.0.1:5000"}, {"session_id": 0}]}',
    );
    const dump = parseAdminJson('{"session_id_to_ephemeral_paths": {"72057594037927937": ["/b", "/a"], "72057594037927938": ["/c"]}}');
    expect(sessionRows([{ admin: "http://s1", answer: cons }], dump)).toEqual([
      { session: "0x100000000000001", servers: ["http://s1"], remotes: ["127.0.0.1:5000"], ephemerals: ["/a", "/b"] },
      { session: "0x100000000000002", servers: [], remotes: [], ephemerals: ["/c"] },
    ]);
  });

  it("ignores answers of the wrong shape", () => {
    expect(
      sessionRows(
        [
          { admin: "x", answer: { connections: "no" } },
          { admin: "y", answer: null },
        ],
        { session_id_to_ephemeral_paths: 3 },
      ),
    ).toEqual([]);
  });
});

describe("admin answers as rows", () => {
  it("flattens nested objects and arrays into dotted paths, leaves as text", () => {
    expect(flattenJson({ a: 1, b: { c: "x", d: [true, null] }, e: {}, f: [] })).toEqual([
      ["a", "1"],
      ["b.c", "x"],
      ["b.d.0", "true"],
      ["b.d.1", "null"],
      ["e", "{}"],
      ["f", "[]"],
    ]);
  });

  it("cuts a huge answer and says so", () => {
    const rows = flattenJson({ list: Array.from({ length: 50 }, (_, i) => i) }, 10);
    expect(rows).toHaveLength(11);
    expect(rows[10]).toEqual(["…", "cut at 10 rows"]);
  });
});
