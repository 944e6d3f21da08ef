// Debian's zookeeper package's zkCli.sh (the Java shell of ZooKeeper 3.8) driven
// non-interactively against a standalone Warden: commands piped on stdin into one JVM,
// and one command on the command line. The output is ZooKeeper's own printing.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithTool, hasFile, hasJava, runZkCli, startStandalone, waitFor, ZKCLI, type Standalone } from "./helpers.js";
import { call, closeClient, connectClient } from "./nzk.js";

const zkCli = (hostPort: string, args: string[], stdin: string, timeoutMs = 40_000) => runZkCli(hostPort, args, stdin, { timeoutMs });

/** Lines of `out` from the line that matches `from` (exclusive) on: a section of one command's output. */
function after(out: string, from: string): string[] {
  const lines = out.split("\n");
  const i = lines.indexOf(from);
  if (i < 0) throw new Error(`"${from}" not in zkCli output:\n${out}`);
  return lines.slice(i + 1);
}

const STAT_LINES = [
  /^cZxid = 0x[0-9a-f]+$/,
  /^ctime = /,
  /^mZxid = 0x[0-9a-f]+$/,
  /^mtime = /,
  /^pZxid = 0x[0-9a-f]+$/,
  /^cversion = \d+$/,
  /^dataVersion = \d+$/,
  /^aclVersion = \d+$/,
  /^ephemeralOwner = 0x[0-9a-f]+$/,
  /^dataLength = \d+$/,
  /^numChildren = \d+$/,
];

/** Every expected line appears in order (other lines, such as watch events, may come between). */
function expectInOrder(out: string, expected: Array<string | RegExp>): void {
  const lines = out.split("\n");
  let at = 0;
  for (const want of expected) {
    const found = lines.findIndex((l, i) => i >= at && (typeof want === "string" ? l === want : want.test(l)));
    if (found < 0)
      throw new Error(`expected ${String(want)} after line ${at} of zkCli output:\n${lines.map((l, i) => `${i}: ${l}`).join("\n")}`);
    at = found + 1;
  }
}

const DIGEST = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="; // alice:secret

const SCRIPT = `create /zc hello
create /zc dup
ls /
get /zc
set /zc world
get -s /zc
set -v 0 /zc stale
stat /zc
create -e /zc/eph e
create -s /zc/seq- s
create -c /zc/cont
create -t 60000 /zc/ttl t
ls -s /zc
ls -R /zc
getAllChildrenNumber /zc
getEphemerals /zc
addauth digest alice:secret
create /zc/secret s digest:${DIGEST}:cdrwa
getAcl /zc/secret
setAcl /zc/secret world:anyone:r
getAcl /zc/secret
whoami
sync /zc
reconfig -add server.9=127.0.0.1:1:2;3
create /zc/ip i ip:127.0.0.1:cdrwa
get /zc/ip
getAcl /zc/ip
get -w /zc/ip
set /zc/ip i2
addWatch -m PERSISTENT_RECURSIVE /zc
create /zc/pr
create /zc/pr/deep
removewatches /zc -a
addWatch /zc/ip
set /zc/ip i3
set /zc/ip i4
removewatches /zc/ip -a
create /zc/gone x
delete -v 7 /zc/gone
delete /zc/gone
stat /zc/gone
delete /zc
deleteall /zc
ls /
quit
`;

describeWithTool(
  "zkCli.sh (Debian's zookeeper 3.8) against a standalone Warden",
  hasFile(ZKCLI) && hasJava(),
  "apt-get install -y zookeeper (needs java)",
  () => {
    let warden: Standalone;
    let out: string;
    beforeAll(async () => {
      warden = await startStandalone();
      out = await zkCli(warden.hostPort, [], SCRIPT);
    }, 60_000);
    afterAll(async () => warden?.stop());

    it("connects: SyncConnected", () => {
      expect(out).toContain("WatchedEvent state:SyncConnected type:None path:null");
    });

    it("create, and create of an existing node (Node already exists)", () => {
      expectInOrder(out, ["Created /zc", "Node already exists: /zc"]);
    });

    it("ls / lists the new node beside /zookeeper", () => {
      expect(after(out, "Node already exists: /zc")[0]).toBe("[zc, zookeeper]");
    });

    it("get prints the data; set then get -s prints the new data and the stat", () => {
      expectInOrder(out, ["[zc, zookeeper]", "hello", "world", ...STAT_LINES]);
      const stat = after(out, "world");
      expect(stat).toContain("dataVersion = 1");
      expect(stat).toContain("dataLength = 5");
    });

    it("set -v with a stale version is refused (version No is not valid)", () => {
      expect(out).toContain("version No is not valid : /zc");
    });

    it("stat prints the stat", () => {
      expectInOrder(out, ["version No is not valid : /zc", ...STAT_LINES]);
    });

    it("create -e, -s, -c (container) and -t (TTL) create their nodes", () => {
      expectInOrder(out, ["Created /zc/eph", "Created /zc/seq-0000000001", "Created /zc/cont", "Created /zc/ttl"]);
    });

    it("ls -s lists the children and the parent's stat; ls -R walks the subtree", () => {
      expectInOrder(out, [
        "[cont, eph, seq-0000000001, ttl]",
        "cversion = 4",
        "numChildren = 4",
        "/zc",
        "/zc/cont",
        "/zc/eph",
        "/zc/seq-0000000001",
        "/zc/ttl",
      ]);
    });

    it("getAllChildrenNumber and getEphemerals answer", () => {
      expectInOrder(out, ["/zc/ttl", "4", "[/zc/eph]"]);
    });

    it("addauth digest, create with a digest ACL, getAcl, setAcl", () => {
      expectInOrder(out, ["Created /zc/secret", `'digest,'${DIGEST}`, ": cdrwa", "'world,'anyone", ": r"]);
    });

    it("whoami lists the ip and digest identities", () => {
      // ZooKeeper's whoami names the digest user only (DigestAuthenticationProvider.getUserName).
      expectInOrder(out, ["Auth scheme: User", "ip: 127.0.0.1", "digest: alice"]);
    });

    it("sync answers Sync is OK", () => {
      expect(out).toContain("Sync is OK");
    });

    it("reconfig is refused: Reconfig is disabled", () => {
      expect(out).toContain("KeeperErrorCode = Reconfig is disabled");
    });

    it("an ip ACL admits the client's address (127.0.0.1)", () => {
      expectInOrder(out, ["Created /zc/ip", "i", "'ip,'127.0.0.1", ": cdrwa"]);
    });

    it("get -w leaves a one-shot data watch that fires NodeDataChanged", () => {
      expect(out).toContain("WatchedEvent state:SyncConnected type:NodeDataChanged path:/zc/ip");
    });

    it("addWatch -m PERSISTENT_RECURSIVE sees creations anywhere below, until removewatches", () => {
      expectInOrder(out, ["Created /zc/pr", "Created /zc/pr/deep"]);
      expect(out).toContain("WatchedEvent state:SyncConnected type:NodeCreated path:/zc/pr");
      expect(out).toContain("WatchedEvent state:SyncConnected type:NodeCreated path:/zc/pr/deep");
      expect(out).toContain("WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/zc");
    });

    it("addWatch (persistent) fires on every change, not once", () => {
      const changes = out.split("\n").filter((l) => l === "WatchedEvent state:SyncConnected type:NodeDataChanged path:/zc/ip");
      expect(changes.length).toBe(3); // one from get -w, two from the persistent watch
      expect(out).toContain("WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/zc/ip");
    });

    it("no command failed unexpectedly", () => {
      expect(out).not.toMatch(/KeeperErrorCode = (?!Reconfig is disabled)/);
      expect(out).not.toMatch(/Exception|Insufficient permission/);
    });

    it("delete -v with a wrong version is refused, delete removes, stat of a missing node says so", () => {
      expectInOrder(out, ["Created /zc/gone", "version No is not valid : /zc/gone", "Node does not exist: /zc/gone"]);
    });

    it("delete of a parent is refused (Node not empty); deleteall removes the subtree", () => {
      expectInOrder(out, ["Node not empty: /zc", "[zookeeper]"]);
    });

    it("the tree is as zkCli left it, seen by another client", async () => {
      const c = await connectClient(warden.hostPort);
      expect(await call(c, "exists", "/zc")).toBeNull();
      await closeClient(c);
    });

    it("a single command on the command line runs and exits", async () => {
      const c = await connectClient(warden.hostPort);
      await call(c, "create", "/one-shot", Buffer.from("from node"));
      await closeClient(c);
      const single = await zkCli(warden.hostPort, ["get", "/one-shot"], "");
      expect(single.split("\n")).toContain("from node");
    });
  },
);

describeWithTool(
  "zkCli.sh: container and TTL nodes are cleaned up as in ZooKeeper",
  hasFile(ZKCLI) && hasJava(),
  "apt-get install -y zookeeper (needs java)",
  () => {
    let warden: Standalone;
    beforeAll(async () => {
      warden = await startStandalone({}, { containerCheckMs: 100 }); // ZooKeeper's znode.container.checkIntervalMs
    });
    afterAll(async () => warden?.stop());

    it("a container that lost its last child and an expired TTL node are deleted; an unused container stays", async () => {
      const out = await zkCli(
        warden.hostPort,
        [],
        "create -c /box\ncreate /box/item\ndelete /box/item\ncreate -c /never\ncreate -t 300 /ttl x\ncreate -t 300 /ttlparent\ncreate /ttlparent/kid\nquit\n",
      );
      expectInOrder(out, [
        "Created /box",
        "Created /box/item",
        "Created /never",
        "Created /ttl",
        "Created /ttlparent",
        "Created /ttlparent/kid",
      ]);
      const c = await connectClient(warden.hostPort);
      await waitFor(
        "/box and /ttl to be cleaned up",
        async () => ((await call(c, "exists", "/box")) === null && (await call(c, "exists", "/ttl")) === null ? true : undefined),
        10_000,
      );
      expect(await call(c, "exists", "/never")).not.toBeNull();
      expect(await call(c, "exists", "/ttlparent")).not.toBeNull(); // a TTL node with children stays
      await closeClient(c);
    }, 30_000);
  },
);
