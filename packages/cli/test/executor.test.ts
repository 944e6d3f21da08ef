// The shell's commands against a native-protocol server (the client package's test
// fixture server), through the real client library and a real socket.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Shell } from "../src/shell/shell.js";
import { startHarness, until, type Harness } from "./shell-helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("reading and writing znodes", () => {
  it("creates, lists, gets and sets as zkCli prints them", async () => {
    expect(await h.run("create /a hello")).toEqual({ ok: true, out: "Created /a\n", err: "" });
    await h.run("create /a/y");
    await h.run("create /a/x");
    expect((await h.run("ls /a")).out).toBe("[x, y]\n");
    expect((await h.run("get /a")).out).toBe("hello\n");
    expect(await h.run(`set /a "two words"`)).toEqual({ ok: true, out: "", err: "" });
    expect((await h.run("get /a")).out).toBe("two words\n");
    expect(text(h.ensemble.tree.get("/a").data)).toBe("two words");
  });

  it("create without data makes a node of null data, which get prints as null, as zkCli 3.8", async () => {
    await h.run("create /n");
    await h.run(`create /e ""`);
    expect(h.ensemble.tree.get("/n").data).toBeNull();
    expect((await h.run("get /n")).out).toBe("null\n");
    expect((await h.run("get /e")).out).toBe("\n");
  });

  it("prints the Stat with -s and for stat", async () => {
    await h.run("create /a v");
    const stat = await h.run("stat /a");
    expect(stat.out).toMatch(
      /^cZxid = 0x[0-9a-f]+\nctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\nmZxid = .*\ndataVersion = 0\naclVersion = 0\nephemeralOwner = 0x0\ndataLength = 1\nnumChildren = 0\n$/s,
    );
    expect((await h.run("get -s /a")).out).toMatch(/^v\ncZxid = /);
    expect((await h.run("ls -s /a")).out).toMatch(/^\[\]\ncZxid = /);
    expect((await h.run("set -s /a w")).out).toMatch(/dataVersion = 1\n/);
  });

  it("creates sequential, ephemeral and TTL nodes and lists this session's ephemerals", async () => {
    await h.run("create /q");
    expect((await h.run("create -s /q/n- a")).out).toBe("Created /q/n-0000000000\n");
    expect((await h.run("create -s /q/n- b")).out).toBe("Created /q/n-0000000001\n");
    await h.run("create -e /q/e");
    expect((await h.run("getEphemerals")).out).toBe("[/q/e]\n");
    expect((await h.run("getEphemerals /x")).out).toBe("[]\n");
    expect((await h.run("create -t 5000 /ttl")).ok).toBe(true);
    const create = h.ensemble.log.find((e) => e.request.type === "create" && e.request.path === "/ttl")!.request;
    expect(create).toMatchObject({ mode: 5, ttl: 5000 });
  });

  it("deletes with and without a version, and deleteall removes a subtree", async () => {
    await h.run("create /a");
    expect(await h.run("delete -v 3 /a")).toEqual({ ok: false, out: "", err: "version No is not valid : /a\n" });
    expect((await h.run("delete -v 0 /a")).ok).toBe(true);
    await h.run("create /t");
    await h.run("create /t/a");
    await h.run("create /t/a/b");
    await h.run("create /t/c");
    expect((await h.run("delete /t")).err).toBe("Node not empty: /t\n");
    expect((await h.run("getAllChildrenNumber /t")).out).toBe("3\n");
    expect((await h.run("deleteall /t")).ok).toBe(true);
    expect(h.ensemble.tree.nodes.has("/t")).toBe(false);
  });

  it("lists a subtree with ls -R", async () => {
    for (const p of ["/r", "/r/b", "/r/a", "/r/a/x"]) await h.run(`create ${p}`);
    expect((await h.run("ls -R /r")).out).toBe("/r\n/r/a\n/r/b\n/r/a/x\n");
  });

  it("reports zkCli's messages for the common errors and fails the command", async () => {
    expect(await h.run("get /missing")).toEqual({ ok: false, out: "", err: "Node does not exist: /missing\n" });
    expect((await h.run("stat /missing")).err).toBe("Node does not exist: /missing\n");
    await h.run("create /a");
    expect((await h.run("create /a")).err).toBe("Node already exists: /a\n");
    await h.run("create -e /e");
    expect((await h.run("create /e/c")).err).toBe("Ephemerals cannot have children: /e/c\n");
    expect((await h.run("get a")).err).toMatch(/Invalid path string "a": path must start with \/ character/);
    expect((await h.run("ls")).err).toBe("missing arguments\nusage: ls [-s] [-w] [-R] path\n");
    expect((await h.run("bogus")).err).toMatch(/unknown command "bogus"/);
  });
});

describe("ACLs and auth", () => {
  it("creates with an ACL, prints it as zkCli does, and sets it with a version", async () => {
    await h.run("create /a x digest:bob:h4sh=:cdr,ip:10.0.0.0/8:r");
    expect((await h.run("getAcl /a")).out).toBe("'digest,'bob:h4sh=\n: cdr\n'ip,'10.0.0.0/8\n: r\n");
    expect((await h.run("setAcl -v 5 /a world:anyone:r")).err).toBe("version No is not valid : /a\n");
    expect((await h.run("setAcl -s -v 0 /a world:anyone:r")).out).toMatch(/aclVersion = 1\n/);
    expect((await h.run("getAcl -s /a")).out).toMatch(/^'world,'anyone\n: r\ncZxid = /);
    expect((await h.run("setAcl /a world:anyone")).err).toMatch(/does not have the form scheme:id:perm/);
  });

  it("sets an ACL on a whole subtree with -R", async () => {
    for (const p of ["/s", "/s/a", "/s/a/b"]) await h.run(`create ${p}`);
    await h.run("setAcl -R /s world:anyone:r");
    for (const p of ["/s", "/s/a", "/s/a/b"])
      expect(h.ensemble.tree.get(p).acl).toEqual([{ perms: 1, id: { scheme: "world", id: "anyone" } }]);
  });

  it("adds credentials to the session", async () => {
    expect((await h.run("addauth digest bob:secret")).ok).toBe(true);
    expect((await h.run("whoami")).out).toBe("Auth scheme: User\nip: 127.0.0.1\ndigest: bob\n");
  });
});

describe("watches", () => {
  it("prints a one-shot data watch's event as it arrives", async () => {
    await h.run("create /w x");
    await h.run("get -w /w");
    await h.run("set /w y");
    await until(() => h.out.join("").includes("type:NodeDataChanged"));
    expect(h.out.join("")).toContain("\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/w\n");
  });

  it("prints children and exists watches, and not when printwatches is off", async () => {
    await h.run("create /p");
    await h.run("ls -w /p");
    await h.run("stat -w /p");
    await h.run("printwatches off");
    expect((await h.run("printwatches")).out).toBe("printwatches is off\n");
    await h.run("create /p/c");
    await h.run("printwatches on");
    await h.run("ls -w /p");
    await h.run("delete /p/c");
    await until(() => h.out.join("").includes("type:NodeChildrenChanged"));
    expect(h.out.join("").match(/WATCHER::/g)).toHaveLength(1);
  });

  it("keeps a persistent recursive watch until removewatches", async () => {
    await h.run("create /r");
    await h.run("addWatch /r");
    await h.run("create /r/a");
    await h.run("set /r/a 1");
    await until(() => h.out.join("").includes("type:NodeDataChanged path:/r/a"));
    expect(h.out.join("")).toContain("type:NodeCreated path:/r/a");
    expect((await h.run("removewatches /r")).ok).toBe(true);
    expect((await h.run("removewatches /r")).ok).toBe(false);
    expect((await h.run("addWatch -m nope /r")).err).toMatch(/Unsupported mode: nope/);
    expect((await h.run("addWatch -m persistent /r")).ok).toBe(true);
    expect((await h.run("removewatches /r -c -d")).err).toMatch(/exclusive/);
  });
});

describe("the session and the shell", () => {
  it("numbers the history, redoes a command and records what ran", async () => {
    await h.run("create /h 1");
    await h.run("get /h");
    const redo = await h.run("redo 1");
    expect(redo).toEqual({ ok: true, out: "1\n", err: "" });
    expect((await h.run("history")).out).toBe("0 - create /h 1\n1 - get /h\n2 - get /h\n3 - history\n");
    expect((await h.run("redo 99")).err).toBe("Command index out of range\n");
    expect((await h.run("redo 0")).ok).toBe(false);
    expect(h.shell.commandNumber).toBe(6);
  });

  it("syncs, closes, refuses commands without a session, and connects again", async () => {
    expect((await h.run("sync /")).out).toBe("Sync is OK\n");
    await h.run("create -e /mine");
    await h.run("close");
    expect(h.shell.stateName).toBe("CLOSED");
    expect((await h.run("ls /")).err).toBe("Not connected; use: connect host:port\n");
    expect(h.ensemble.tree.nodes.has("/mine")).toBe(false);
    expect((await h.run(`connect ${h.server.address}`)).ok).toBe(true);
    expect((await h.run("ls /")).out).toBe("[]\n");
    expect(h.shell.stateName).toBe("CONNECTED");
  });

  it("fails a command when the server cannot be reached in time", async () => {
    await h.server.stop();
    const err: string[] = [];
    const shell = new Shell({ io: { out: () => undefined, err: (t) => err.push(t) }, connectTimeoutMs: 200 });
    await shell.connect(h.server.address);
    expect(await shell.execute("ls /")).toBe(false);
    expect(err.join("")).toBe(`Not connected to ${h.server.address} after 200 ms\n`);
    await shell.close();
  });

  it("marks quit and lists every command in help", async () => {
    const help = (await h.run("help")).out;
    for (const usage of [
      "ls [-s] [-w] [-R] path",
      "create [-s] [-e] [-c] [-t ttl] path [data] [acl]",
      "removewatches path [-c|-d|-a] [-l]",
      "redo cmdno",
    ])
      expect(help).toContain(`\t${usage}\n`);
    expect(h.shell.quitRequested).toBe(false);
    await h.run("quit");
    expect(h.shell.quitRequested).toBe(true);
  });
});
