// Four-letter words on the ZooKeeper client port, sent as `echo srvr | nc host port` does:
// a raw socket, the word, read until the server closes. Shapes are ZooKeeper 3.8's (captured
// from Debian's zookeeper 3.8.0 on the same machine).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { fourLetterWord, startStandalone, waitFor, type Standalone } from "./helpers.js";

const require = createRequire(import.meta.url);
const zookeeper = require("node-zookeeper-client");

describe("four-letter words on the client port, all whitelisted", () => {
  let warden: Standalone;
  let client: any;
  beforeAll(async () => {
    warden = await startStandalone({ "4lw.commands.whitelist": "*" });
    // A connected session with a watch, so that cons, stat and wchs have something to show.
    client = zookeeper.createClient(warden.hostPort, { sessionTimeout: 10_000 });
    await new Promise<void>((resolve) => {
      client.once("connected", resolve);
      client.connect();
    });
    await new Promise<void>((resolve, reject) =>
      client.getData(
        "/zookeeper",
        () => {},
        (e: unknown) => (e ? reject(e) : resolve()),
      ),
    );
  });
  afterAll(async () => {
    client?.close();
    await warden?.stop();
  });

  it("ruok answers imok, with no newline", async () => {
    expect(await fourLetterWord(warden.hostPort, "ruok")).toBe("imok");
  });

  it("srvr answers ZooKeeper's lines: version, latency, counts, zxid, mode, node count", async () => {
    const text = await fourLetterWord(warden.hostPort, "srvr");
    expect(text).toMatch(
      /^Zookeeper version: 3\.\d+\.\d+[^\n]*, built on [^\n]+\nLatency min\/avg\/max: \d+\/[\d.]+\/\d+\nReceived: \d+\nSent: \d+\nConnections: \d+\nOutstanding: \d+\nZxid: 0x[0-9a-f]+\nMode: standalone\nNode count: \d+\n$/,
    );
    expect(Number(/Connections: (\d+)/.exec(text)![1])).toBeGreaterThanOrEqual(1);
  });

  it("srvr sent with a trailing newline (echo srvr | nc) is answered the same way", async () => {
    expect(await fourLetterWord(warden.hostPort, "srvr\n")).toMatch(/^Zookeeper version: /);
  });

  it("stat lists the connected clients between the version and the latency lines", async () => {
    const text = await fourLetterWord(warden.hostPort, "stat");
    expect(text).toMatch(/^Zookeeper version: [^\n]+\nClients:\n( \/[^\n]+\n)+\nLatency min\/avg\/max: /);
    expect(text).toMatch(/ \/127\.0\.0\.1:\d+\[1\]\(queued=\d+,recved=\d+,sent=\d+/);
    expect(text).toMatch(/\nMode: standalone\n/);
  });

  it("mntr answers tab-separated zk_ keys that monitoring tools read", async () => {
    const text = await fourLetterWord(warden.hostPort, "mntr");
    const pairs = new Map(
      text
        .trimEnd()
        .split("\n")
        .map((l) => l.split("\t") as [string, string]),
    );
    for (const line of text.trimEnd().split("\n")) expect(line).toMatch(/^zk_[a-z0-9_]+\t\S.*$/);
    expect(pairs.get("zk_server_state")).toBe("standalone");
    expect(pairs.get("zk_version")).toMatch(/^3\.\d+\.\d+/);
    for (const key of [
      "zk_avg_latency",
      "zk_max_latency",
      "zk_min_latency",
      "zk_packets_received",
      "zk_packets_sent",
      "zk_num_alive_connections",
      "zk_outstanding_requests",
      "zk_znode_count",
      "zk_watch_count",
      "zk_ephemerals_count",
      "zk_approximate_data_size",
    ]) {
      expect(pairs.get(key), key).toMatch(/^\d+(\.\d+)?$/);
    }
    expect(Number(pairs.get("zk_num_alive_connections"))).toBeGreaterThanOrEqual(1);
    expect(Number(pairs.get("zk_watch_count"))).toBeGreaterThanOrEqual(1);
  });

  it("conf answers key=value lines including clientPort, dataDir, tickTime and the session timeouts", async () => {
    const text = await fourLetterWord(warden.hostPort, "conf");
    const conf = new Map(
      text
        .trimEnd()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(conf.get("clientPort")).toBe(warden.hostPort.split(":")[1]);
    expect(conf.get("dataDir")).toContain(warden.dataDir);
    expect(conf.get("tickTime")).toBe("2000");
    expect(conf.get("minSessionTimeout")).toBe("4000");
    expect(conf.get("maxSessionTimeout")).toBe("40000");
    expect(conf.get("maxClientCnxns")).toBe("60");
  });

  it("cons lists each connection with its session id, ending with an empty line", async () => {
    const text = await fourLetterWord(warden.hostPort, "cons");
    const sid = `0x${(client.getSessionId() as Buffer).toString("hex").replace(/^0+/, "")}`;
    expect(text).toMatch(/\n\n$/);
    expect(text).toMatch(new RegExp(` /127\\.0\\.0\\.1:\\d+\\[1\\]\\(queued=\\d+,recved=\\d+,sent=\\d+,sid=${sid}[,)]`));
  });

  it("cons prints ZooKeeper's fields, each connection with its own last zxid", async () => {
    // A second session writes after the first one's last request: only its lzxid moves.
    const other = zookeeper.createClient(warden.hostPort, { sessionTimeout: 10_000 });
    await new Promise<void>((resolve) => {
      other.once("connected", resolve);
      other.connect();
    });
    try {
      await new Promise<void>((resolve, reject) => client.exists("/", (e: unknown) => (e ? reject(e) : resolve())));
      await new Promise<void>((resolve, reject) => other.create("/cons-lzxid", (e: unknown) => (e ? reject(e) : resolve())));
      const text = await fourLetterWord(warden.hostPort, "cons");
      const lines = text.split("\n").filter((l) => l.includes("sid="));
      for (const line of lines) {
        expect(line).toMatch(
          /^ \/127\.0\.0\.1:\d+\[1\]\(queued=\d+,recved=\d+,sent=\d+,sid=0x[0-9a-f]+,lop=[A-Z]+,est=\d+,to=\d+,lcxid=0x[0-9a-f]+,lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)$/,
        );
      }
      const lzxidOf = (id: Buffer) => {
        const sid = `0x${id.toString("hex").replace(/^0+/, "")}`;
        const line = lines.find((l) => l.includes(`sid=${sid},`));
        expect(line, text).toBeDefined();
        return { lzxid: BigInt(/lzxid=(0x[0-9a-f]+)/.exec(line!)![1]!), lop: /lop=([A-Z]+)/.exec(line!)![1] };
      };
      const mine = lzxidOf(client.getSessionId());
      const theirs = lzxidOf(other.getSessionId());
      expect(mine.lop).toBe("EXIS");
      expect(theirs.lop).toBe("CREA");
      expect(theirs.lzxid).toBeGreaterThan(mine.lzxid);
      expect(/Zxid: (0x[0-9a-f]+)/.exec(await fourLetterWord(warden.hostPort, "srvr"))![1]).toBe(`0x${theirs.lzxid.toString(16)}`);
    } finally {
      other.close();
    }
  });

  it("dump lists each session's ephemeral paths, as ZooKeeper's", async () => {
    await new Promise<void>((resolve, reject) =>
      client.create("/dump-eph", Buffer.from("x"), zookeeper.CreateMode.EPHEMERAL, (e: unknown) => (e ? reject(e) : resolve())),
    );
    const sid = `0x${(client.getSessionId() as Buffer).toString("hex").replace(/^0+/, "")}`;
    const text = await fourLetterWord(warden.hostPort, "dump");
    expect(text).toMatch(/^SessionTracker dump:\nSession Sets \(\d+\)\/\(\d+\):\n/);
    expect(text).toContain(`ephemeral nodes dump:\nSessions with Ephemerals (1):\n${sid}:\n\t/dump-eph\n`);
    expect(text).toContain(`\t${sid}\n`);
  });

  it("dirs answers the data and log directories' sizes in ZooKeeper's two lines", async () => {
    const text = await fourLetterWord(warden.hostPort, "dirs");
    const m = /^datadir_size: (\d+)\nlogdir_size: (\d+)\n$/.exec(text);
    expect(m, text).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
  });

  it("srst resets the server's counts and crst each connection's, answering ZooKeeper's lines", async () => {
    expect(await fourLetterWord(warden.hostPort, "srst")).toBe("Server stats reset.\n");
    // The srst connection itself is not a request: nothing was received since.
    expect(await fourLetterWord(warden.hostPort, "srvr")).toMatch(/\nReceived: 0\nSent: 0\n/);
    expect(await fourLetterWord(warden.hostPort, "crst")).toBe("Connection stats reset.\n");
    const sid = `0x${(client.getSessionId() as Buffer).toString("hex").replace(/^0+/, "")}`;
    expect(await fourLetterWord(warden.hostPort, "cons")).toContain(`(queued=0,recved=0,sent=0,sid=${sid},lop=NA,`);
  });

  it("envi answers Environment: and zookeeper.version= (what kazoo's server_version parses)", async () => {
    const text = await fourLetterWord(warden.hostPort, "envi");
    expect(text).toMatch(/^Environment:\nzookeeper\.version=3\.\d+\.\d+[^\n]*\n/);
    for (const line of text.trimEnd().split("\n").slice(1)) expect(line).toMatch(/^[a-z.]+=/);
    expect(text).toMatch(/\nos\.name=/);
  });

  it("wchs answers the watch summary in ZooKeeper's two lines", async () => {
    const text = await fourLetterWord(warden.hostPort, "wchs");
    expect(text).toMatch(/^\d+ connections watching \d+ paths\nTotal watches:\d+\n$/);
    expect(text).toMatch(/^1 connections watching 1 paths\nTotal watches:1\n$/);
  });

  it("isro answers rw on a serving server (read-only mode is off, and it is standalone)", async () => {
    expect(await fourLetterWord(warden.hostPort, "isro")).toBe("rw");
  });

  it("a word split across two TCP segments is still recognised", async () => {
    const [host, port] = warden.hostPort.split(":");
    const { connect } = await import("node:net");
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = connect(Number(port), host!, () => {
        s.write("ru");
        setTimeout(() => s.write("ok"), 50);
      });
      s.on("data", (c) => chunks.push(c));
      s.on("error", reject);
      s.on("close", () => resolve(Buffer.concat(chunks).toString()));
    });
    expect(text).toBe("imok");
  });

  it("the server still serves its session after answering every word", async () => {
    await waitFor("a getData reply", () => new Promise<boolean>((resolve) => client.getData("/zookeeper", (e: unknown) => resolve(!e))));
  });
});

describe("four-letter words outside 4lw.commands.whitelist", () => {
  let warden: Standalone;
  beforeAll(async () => {
    warden = await startStandalone({ "4lw.commands.whitelist": "srvr" });
  });
  afterAll(async () => warden?.stop());

  it.each(["ruok", "stat", "mntr", "conf", "cons", "envi", "wchs", "isro", "dump", "dirs", "crst", "srst", "wchc", "wchp"])(
    "%s is refused with ZooKeeper's message",
    async (word) => {
      expect(await fourLetterWord(warden.hostPort, word)).toBe(`${word} is not executed because it is not in the whitelist.\n`);
    },
  );

  it("srvr, the default whitelist, is answered", async () => {
    expect(await fourLetterWord(warden.hostPort, "srvr")).toMatch(/^Zookeeper version: /);
  });
});

describe("four-letter words with no whitelist key in the configuration", () => {
  let warden: Standalone;
  beforeAll(async () => {
    warden = await startStandalone({ "4lw.commands.whitelist": null });
  });
  afterAll(async () => warden?.stop());
  it("only srvr is answered, as ZooKeeper 3.5+ does by default", async () => {
    expect(await fourLetterWord(warden.hostPort, "srvr")).toMatch(/^Zookeeper version: /);
    expect(await fourLetterWord(warden.hostPort, "ruok")).toBe("ruok is not executed because it is not in the whitelist.\n");
  });
});
