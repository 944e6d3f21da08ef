// Debian's zookeeper-bin C client shell, cli_mt (libzookeeper-mt 3.8), driven on stdin against
// a standalone Warden. Its commands are asynchronous, so the driver sends one line and waits
// for that command's completion line before the next. cli_mt prints to stderr.
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { CLI_MT, describeWithTool, hasFile, startStandalone, type Standalone } from "./helpers.js";
import { call, closeClient, connectClient, type NzkClient } from "./nzk.js";

class CliMt {
  private out = "";
  private readonly child: ChildProcessWithoutNullStreams;
  private waiters: Array<() => void> = [];

  constructor(hostPort: string) {
    this.child = spawn(CLI_MT, ["-h", hostPort], { stdio: ["pipe", "pipe", "pipe"] });
    const take = (c: Buffer) => {
      this.out += c.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout.on("data", take);
    this.child.stderr.on("data", take);
  }

  /** Waits until the output after `from` matches `re`; returns that part of the output. */
  async waitFor(re: RegExp, from = 0, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.out.slice(from);
      if (re.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`cli_mt: no ${re} within ${timeoutMs} ms; output:\n${text}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Sends one command line and waits for its completion, matched by `done`. */
  async run(line: string, done: RegExp): Promise<string> {
    const from = this.out.length;
    this.child.stdin.write(`${line}\n`);
    return this.waitFor(done, from);
  }

  get output(): string {
    return this.out;
  }

  async quit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin.end("quit\n");
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.child.kill("SIGKILL");
        resolve();
      }, 5000);
      this.child.on("close", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

describeWithTool(
  "cli_mt (Debian's zookeeper-bin C client) against a standalone Warden",
  hasFile(CLI_MT),
  "apt-get install -y zookeeper-bin",
  () => {
    let warden: Standalone;
    let cli: CliMt;
    let other: NzkClient;
    beforeAll(async () => {
      warden = await startStandalone();
      other = await connectClient(warden.hostPort);
      cli = new CliMt(warden.hostPort);
      await cli.waitFor(/Got a new session id: 0x[0-9a-f]+/);
    });
    afterAll(async () => {
      await cli?.quit();
      await closeClient(other);
      await warden?.stop();
    });

    it("connects: a CONNECTED_STATE session event and a session id", () => {
      expect(cli.output).toMatch(/Watcher SESSION_EVENT state = CONNECTED_STATE/);
      expect(cli.output).toMatch(/Got a new session id: 0x[0-9a-f]+/);
    });

    it('create makes a node holding cli_mt\'s fixed data "new"', async () => {
      // Wait for the name line too: cli_mt prints "rc = 0" and the name in two writes.
      const text = await cli.run("create /cmt", /\[\/cmt\]: rc = (?:0\n\tname = .*\n|-\d+)/);
      expect(text).toMatch(/\[\/cmt\]: rc = 0\n\tname = \/cmt\n/);
      expect((await call(other, "getData", "/cmt"))[0].toString()).toBe("new");
    });

    it("create of an existing node fails with ZNODEEXISTS (-110)", async () => {
      expect(await cli.run("create /cmt", /\[\/cmt\]: rc = -?\d+/)).toMatch(/rc = -110/);
    });

    it("get prints the value and the stat", async () => {
      const text = await cli.run("get /cmt", /\/cmt: rc = -?\d+[\s\S]*Stat:\n[\s\S]*ephemeralOwner = /);
      expect(text).toMatch(/\/cmt: rc = 0\n value_len = 3\nnew\nStat:\n/);
      expect(text).toMatch(/\tversion=0\taversion=0\n/);
    });

    it("set changes the data, and get's watch fires CHANGED_EVENT", async () => {
      const text = await cli.run("set /cmt world", /\/cmt: rc = -?\d+ Stat:\n[\s\S]*ephemeralOwner = /);
      expect(text).toMatch(/\/cmt: rc = 0 Stat:\n/);
      expect(text).toMatch(/\tversion=1\taversion=0\n/);
      expect((await call(other, "getData", "/cmt"))[0].toString()).toBe("world");
      await cli.waitFor(/Watcher CHANGED_EVENT state = CONNECTED_STATE for path \/cmt/);
      const again = await cli.run("get /cmt", /\/cmt: rc = -?\d+[\s\S]*Stat:/);
      expect(again).toMatch(/value_len = 5\nworld\n/);
    });

    it("create +e and +s make ephemeral and sequential nodes", async () => {
      expect(await cli.run("create +e /cmt/eph", /\[\/cmt\/eph\]: rc = -?\d+\n.*\n/)).toMatch(/rc = 0\n\tname = \/cmt\/eph\n/);
      expect(await cli.run("create +s /cmt/seq-", /\[\/cmt\/seq-\]: rc = -?\d+\n.*\n/)).toMatch(/rc = 0\n\tname = \/cmt\/seq-0000000001\n/);
      const stat = await call(other, "exists", "/cmt/eph");
      expect(stat.ephemeralOwner.toString("hex")).not.toBe("0000000000000000");
    });

    it("create2 answers the path and the stat", async () => {
      const text = await cli.run("create2 /cmt/c2", /\[\/cmt\/c2\]: rc = -?\d+[\s\S]*ephemeralOwner = /);
      expect(text).toMatch(/rc = 0\n\tname = \/cmt\/c2\n\tctime = /);
    });

    it("ls and ls2 list the children; ls2 adds the stat", async () => {
      const ls = await cli.run("ls /cmt", /\/cmt: rc = -?\d+\n(\t.*\n)*time = /);
      expect(
        ls
          .match(/^\t[^\t\n]+$/gm)!
          .map((l) => l.trim())
          .sort(),
      ).toEqual(["c2", "eph", "seq-0000000001"]);
      const ls2 = await cli.run("ls2 /cmt", /\/cmt: rc = -?\d+\n[\s\S]*ephemeralOwner = /);
      expect(ls2).toMatch(/\/cmt: rc = 0\n/);
      expect(ls2).toMatch(/\tversion=1\taversion=0\n/);
    });

    it("sync answers rc = 0", async () => {
      expect(await cli.run("sync /cmt", /\[\/cmt\]: rc = -?\d+/)).toMatch(/\[\/cmt\]: rc = 0/);
    });

    it("delete removes a node; a parent with children is refused with ZNOTEMPTY (-111); a missing node ZNONODE (-101)", async () => {
      expect(await cli.run("delete /cmt/c2", /\/cmt\/c2: rc = -?\d+/)).toMatch(/\/cmt\/c2: rc = 0/);
      expect(await call(other, "exists", "/cmt/c2")).toBeNull();
      expect(await cli.run("delete /cmt", /\/cmt: rc = -?\d+/)).toMatch(/\/cmt: rc = -111/);
      expect(await cli.run("delete /cmt/c2", /\/cmt\/c2: rc = -?\d+/)).toMatch(/\/cmt\/c2: rc = -101/);
    });

    it("get of a missing node answers ZNONODE (-101)", async () => {
      expect(await cli.run("get /nothing", /\/nothing: rc = -?\d+/)).toMatch(/\/nothing: rc = -101/);
    });

    it("the session id it reports owns the ephemeral", async () => {
      // (cli_mt's myid command prints with printf to a pipe, flushed only at exit: the id comes from the connect line.)
      const sid = /Got a new session id: 0x([0-9a-f]+)/.exec(cli.output)![1]!;
      const stat = await call(other, "exists", "/cmt/eph");
      expect(BigInt(`0x${stat.ephemeralOwner.toString("hex")}`)).toBe(BigInt(`0x${sid}`));
    });

    it("config reads /zookeeper/config (getConfig)", async () => {
      expect(await cli.run("config", /\/zookeeper\/config: rc = -?\d+/)).toMatch(/\/zookeeper\/config: rc = 0/);
    });

    it("quitting closes the session and its ephemeral disappears", async () => {
      await cli.quit();
      expect(await call(other, "exists", "/cmt/eph")).toBeNull();
      expect(await call(other, "exists", "/cmt/seq-0000000001")).not.toBeNull();
    });
  },
);
