import { describe, expect, it } from "vitest";
import { EMPTY_STAT } from "@warden/protocol";
import {
  aclRows,
  ancestors,
  childPath,
  hexDump,
  hexPairs,
  hexZxid,
  jsonError,
  localTime,
  page,
  parentPath,
  parseHex,
  permsText,
  prettyJson,
  splitPrefix,
  statRows,
  utf8Text,
  visibleChildren,
} from "../src/format.js";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("zxids and times", () => {
  it("prints zxids as ZooKeeper's tools do: 0x and hex, no padding", () => {
    expect(hexZxid(0x100000003n)).toBe("0x100000003");
    expect(hexZxid(0n)).toBe("0x0");
  });

  it("prints a negative 64-bit value (an owner id read as signed) as its unsigned hex", () => {
    expect(hexZxid(-1n)).toBe("0xffffffffffffffff");
  });

  it("prints times in local time with milliseconds, and 0 as -", () => {
    const d = new Date(2026, 0, 2, 3, 4, 5, 67);
    expect(localTime(d.getTime())).toBe("2026-01-02 03:04:05.067");
    expect(localTime(0)).toBe("-");
  });

  it("lists the Stat in ZooKeeper's fields, zxids and the owner in hex", () => {
    const rows = Object.fromEntries(
      statRows({
        ...EMPTY_STAT,
        czxid: 0x200000001n,
        mzxid: 0x200000002n,
        pzxid: 0x200000001n,
        ephemeralOwner: 0x1234n,
        version: 3,
        dataLength: 7,
      }),
    );
    expect(rows).toMatchObject({
      czxid: "0x200000001",
      mzxid: "0x200000002",
      pzxid: "0x200000001",
      ephemeralOwner: "0x1234",
      version: "3",
      dataLength: "7",
      ctime: "-",
    });
    expect(Object.keys(rows)).toHaveLength(11);
  });
});

describe("ACLs", () => {
  it("writes permissions in zkCli's cdrwa order", () => {
    expect(permsText(31)).toBe("cdrwa");
    expect(permsText(1 | 16)).toBe("ra");
    expect(permsText(0)).toBe("");
    expect(aclRows([{ perms: 1, id: { scheme: "digest", id: "bob:x" } }])).toEqual([{ id: "digest:bob:x", perms: "r" }]);
  });
});

describe("data views", () => {
  it("reads UTF-8 text, and says when bytes are not UTF-8", () => {
    expect(utf8Text(new TextEncoder().encode("héllo"))).toBe("héllo");
    expect(utf8Text(bytes(0xff, 0xfe))).toBeUndefined();
  });

  it("dumps hex with offsets, two groups of 8 and the printable ASCII", () => {
    const dump = hexDump(new TextEncoder().encode("0123456789abcdefXY\n"));
    expect(dump.split("\n")).toEqual([
      "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|",
      "00000010  58 59 0a                                          |XY.|",
    ]);
  });

  it("cuts a long hex dump and says how much is left out", () => {
    const dump = hexDump(new Uint8Array(100), 32);
    expect(dump.split("\n")).toHaveLength(3);
    expect(dump).toMatch(/68 more bytes not shown$/);
  });

  it("pretty-prints JSON, and gives the parser's reason when it is not JSON", () => {
    expect(prettyJson('{"a":[1,2]}')).toEqual({ ok: true, text: '{\n  "a": [\n    1,\n    2\n  ]\n}' });
    expect(prettyJson("{a:1}").ok).toBe(false);
    expect(jsonError('{"a": 1}')).toBeUndefined();
    expect(jsonError('{"a": 1')).toMatch(/JSON/);
  });

  it("parses the hex editor's text, spaces and newlines allowed, and refuses what is not hex", () => {
    expect(parseHex("7b 22\n61")).toEqual(bytes(0x7b, 0x22, 0x61));
    expect(parseHex("")).toEqual(bytes());
    expect(parseHex("7b2")).toBe("an odd number of hex digits");
    expect(parseHex("zz")).toBe("only hex digits and spaces are allowed");
    const all = Uint8Array.from({ length: 40 }, (_, i) => i * 6);
    expect(parseHex(hexPairs(all))).toEqual(all);
  });
});

describe("pages of children", () => {
  const names = Array.from({ length: 450 }, (_, i) => `n${String(i).padStart(3, "0")}`);

  it("cuts a list into pages and says which items are shown", () => {
    expect(page(names, 0, 200)).toMatchObject({ index: 0, count: 3, first: 1, last: 200, total: 450 });
    const last = page(names, 2, 200);
    expect(last).toMatchObject({ index: 2, first: 401, last: 450 });
    expect(last.items[0]).toBe("n400");
  });

  it("clamps an index out of range to the nearest page", () => {
    expect(page(names, 9, 200).index).toBe(2);
    expect(page(names, -1, 200).index).toBe(0);
  });

  it("shows an empty list as one empty page", () => {
    expect(page([], 0)).toMatchObject({ items: [], index: 0, count: 1, first: 0, last: 0, total: 0 });
  });

  it("filters children by a name prefix, sorted", () => {
    expect(visibleChildren(["b2", "a", "b1", "c"], "b")).toEqual(["b1", "b2"]);
  });
});

describe("paths", () => {
  it("joins, splits and walks up paths", () => {
    expect(childPath("/", "a")).toBe("/a");
    expect(childPath("/a", "b")).toBe("/a/b");
    expect(parentPath("/a/b")).toBe("/a");
    expect(parentPath("/a")).toBe("/");
    expect(ancestors("/a/b")).toEqual(["/", "/a", "/a/b"]);
    expect(splitPrefix("/services/he")).toEqual({ parent: "/services", prefix: "he" });
    expect(splitPrefix("/se")).toEqual({ parent: "/", prefix: "se" });
    expect(splitPrefix("/services/")).toEqual({ parent: "/services", prefix: "" });
  });
});
