import { describe, expect, it } from "vitest";
import { Perms } from "@warden/client";
import { tokenize, UsageError, WORDS_MAX } from "../src/shell/tokenize.js";
import { findCommand, parseCommand, intFlag } from "../src/shell/command.js";
import { parseAcl, formatAclEntry, ACL_ENTRIES_MAX } from "../src/shell/acl.js";
import { COMMANDS } from "../src/shell/commands/index.js";
import { createMode } from "../src/shell/commands/write.js";
import { formatList, formatStat, formatEvent, errorMessage, formatTime } from "../src/shell/format.js";
import {
  BadVersionError,
  CreateMode,
  EventType,
  KeeperState,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  OperationTimeoutError,
} from "@warden/client";

const parse = (line: string) => {
  const words = tokenize(line);
  return parseCommand(findCommand(COMMANDS, words[0]!), words.slice(1));
};

describe("tokenize", () => {
  it("splits on whitespace and keeps quoted words whole", () => {
    expect(tokenize(`  set /a "hello world"  'it''s' x\\ y`)).toEqual(["set", "/a", "hello world", "its", "x y"]);
  });
  it("keeps an empty quoted word", () => {
    expect(tokenize(`set /a ""`)).toEqual(["set", "/a", ""]);
  });
  it("takes a backslash-escaped quote literally inside double quotes, but not inside single quotes", () => {
    expect(tokenize(`"a\\"b" 'c\\d'`)).toEqual(['a"b', "c\\d"]);
  });
  it("refuses an unclosed quote", () => {
    expect(() => tokenize(`set /a "oops`)).toThrow(new UsageError("unclosed double quote"));
  });
  it("refuses more than WORDS_MAX words", () => {
    expect(tokenize("w ".repeat(WORDS_MAX))).toHaveLength(WORDS_MAX);
    expect(() => tokenize("w ".repeat(WORDS_MAX + 1))).toThrow(UsageError);
  });
});

describe("parseCommand", () => {
  it("reads boolean flags anywhere, bundled or not", () => {
    const c = parse("create -e /a -s data");
    expect([...c.flags]).toEqual([
      ["e", true],
      ["s", true],
    ]);
    expect(c.args).toEqual(["/a", "data"]);
    expect([...parse("create -es /a").flags.keys()]).toEqual(["e", "s"]);
  });
  it("reads a valued flag from the next word or the same word", () => {
    expect(parse("set -v 3 /a x").flags.get("v")).toBe("3");
    expect(parse("set -v3 /a x").flags.get("v")).toBe("3");
    expect(parse("create -t 500 /a").flags.get("t")).toBe("500");
  });
  it("takes negative numbers and words after -- as arguments", () => {
    expect(parse("set /a -1").args).toEqual(["/a", "-1"]);
    expect(parse("set -- /a -x").args).toEqual(["/a", "-x"]);
  });
  it("reads flags after the path, as removewatches is written", () => {
    const c = parse("removewatches /a -d -l");
    expect(c.args).toEqual(["/a"]);
    expect([...c.flags.keys()]).toEqual(["d", "l"]);
  });
  it("refuses unknown commands, unknown flags, missing values and wrong argument counts with the usage", () => {
    expect(() => parse("frobnicate /")).toThrow(/unknown command "frobnicate"/);
    expect(() => parse("ls -x /")).toThrow("unknown option -x\nusage: ls [-s] [-w] [-R] path");
    expect(() => parse("set /a x -v")).toThrow(/option -v needs a value/);
    expect(() => parse("ls")).toThrow("missing arguments\nusage: ls [-s] [-w] [-R] path");
    expect(() => parse("get /a /b")).toThrow(/unexpected argument "\/b"/);
  });
  it("checks integer flags against their range", () => {
    const spec = findCommand(COMMANDS, "set");
    expect(intFlag(spec, parse("set -v 7 /a x"), "v", -1, 10)).toBe(7);
    expect(intFlag(spec, parse("set /a x"), "v", -1, 10)).toBeUndefined();
    expect(() => intFlag(spec, parse("set -v seven /a x"), "v", -1, 10)).toThrow(/-v needs an integer from -1 to 10, got "seven"/);
    expect(() => intFlag(spec, parse("set -v 11 /a x"), "v", -1, 10)).toThrow(UsageError);
  });
});

describe("create modes from flags", () => {
  const mode = (line: string) => createMode(findCommand(COMMANDS, "create"), parse(line).flags);
  it("maps zkCli's flags to create modes", () => {
    expect(mode("create /a")).toBe(CreateMode.PERSISTENT);
    expect(mode("create -e /a")).toBe(CreateMode.EPHEMERAL);
    expect(mode("create -s /a")).toBe(CreateMode.PERSISTENT_SEQUENTIAL);
    expect(mode("create -e -s /a")).toBe(CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(mode("create -c /a")).toBe(CreateMode.CONTAINER);
    expect(mode("create -t 10 /a")).toBe(CreateMode.PERSISTENT_WITH_TTL);
    expect(mode("create -s -t 10 /a")).toBe(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL);
  });
  it("refuses the combinations zkCli refuses", () => {
    expect(() => mode("create -c -e /a")).toThrow(/Containers cannot be ephemeral or sequential/);
    expect(() => mode("create -c -s /a")).toThrow(/Containers cannot be ephemeral or sequential/);
    expect(() => mode("create -e -t 10 /a")).toThrow(/TTLs cannot be used with Ephemeral znodes/);
    expect(() => mode("create -c -t 10 /a")).toThrow(/TTLs cannot be used with Container znodes/);
  });
});

describe("ACL syntax", () => {
  it("parses scheme:id:perms entries, comma separated, with colons inside the id", () => {
    expect(parseAcl("world:anyone:cdrwa,digest:user:hash=:cdr,ip:10.0.0.0/8:r,auth::rw")).toEqual([
      { id: { scheme: "world", id: "anyone" }, perms: Perms.ALL },
      { id: { scheme: "digest", id: "user:hash=" }, perms: Perms.CREATE | Perms.DELETE | Perms.READ },
      { id: { scheme: "ip", id: "10.0.0.0/8" }, perms: Perms.READ },
      { id: { scheme: "auth", id: "" }, perms: Perms.READ | Perms.WRITE },
    ]);
  });
  it("refuses entries without three parts, with unknown or no permissions", () => {
    expect(() => parseAcl("world:anyone")).toThrow("world:anyone does not have the form scheme:id:perm");
    expect(() => parseAcl(":anyone:r")).toThrow(/does not have the form/);
    expect(() => parseAcl("world:anyone:rx")).toThrow(/invalid permissions "rx"/);
    expect(() => parseAcl("world:anyone:")).toThrow(/invalid permissions ""/);
  });
  it("refuses more than ACL_ENTRIES_MAX entries", () => {
    expect(parseAcl(Array(ACL_ENTRIES_MAX).fill("world:anyone:r").join(","))).toHaveLength(ACL_ENTRIES_MAX);
    expect(() =>
      parseAcl(
        Array(ACL_ENTRIES_MAX + 1)
          .fill("world:anyone:r")
          .join(","),
      ),
    ).toThrow(/more than/);
  });
  it("prints an entry as zkCli's getAcl does", () => {
    expect(formatAclEntry({ id: { scheme: "world", id: "anyone" }, perms: Perms.ALL })).toBe("'world,'anyone\n: cdrwa\n");
  });
});

describe("output formats", () => {
  it("prints lists, times and stats as zkCli does", () => {
    expect(formatList(["a", "b"])).toBe("[a, b]\n");
    expect(formatList([])).toBe("[]\n");
    expect(formatTime(Date.UTC(2026, 10, 25, 15, 2, 56))).toBe("Wed Nov 25 15:02:56 UTC 2026");
    const stat = {
      czxid: 0x10n,
      mzxid: 0x11n,
      ctime: 0,
      mtime: 0,
      version: 2,
      cversion: 1,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 5,
      numChildren: 1,
      pzxid: 0x12n,
    };
    expect(formatStat(stat)).toBe(
      "cZxid = 0x10\nctime = Thu Jan 01 00:00:00 UTC 1970\nmZxid = 0x11\nmtime = Thu Jan 01 00:00:00 UTC 1970\npZxid = 0x12\n" +
        "cversion = 1\ndataVersion = 2\naclVersion = 0\nephemeralOwner = 0x0\ndataLength = 5\nnumChildren = 1\n",
    );
  });
  it("prints watch events and state changes as zkCli's watcher does", () => {
    expect(formatEvent({ type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: "/a" })).toBe(
      "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/a\n",
    );
    expect(formatEvent({ type: EventType.None, state: KeeperState.Disconnected, path: "" })).toContain(
      "state:Disconnected type:None path:null",
    );
  });
  it("words the common errors as zkCli does, and others by their own message", () => {
    expect(errorMessage(new NoNodeError(undefined, "/a"), "/a")).toBe("Node does not exist: /a");
    expect(errorMessage(new NodeExistsError(), "/a")).toBe("Node already exists: /a");
    expect(errorMessage(new BadVersionError(undefined, "/a"), "/a")).toBe("version No is not valid : /a");
    expect(errorMessage(new NotEmptyError(undefined, "/a"), "/b")).toBe("Node not empty: /a");
    expect(errorMessage(new OperationTimeoutError("getData timed out after 5 ms"), "/a")).toBe("getData timed out after 5 ms");
  });
});
