// Null node data (jute buffer length -1) as ZooKeeper keeps it: a real server process answers
// getData of a null-data node with the bytes ZooKeeper 3.8 sent (captured in the protocol's
// vectors), and null stays null, apart from empty data, through its log, a snapshot and a
// SIGKILL restart.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jute } from "@warden/protocol";
import { createClient, type Client } from "@warden/client";
import { ServerProcess } from "@warden/testing";
import { Inbox, waitFor } from "./harness.js";
import { openTcp, openZk } from "./raw.js";

const VECTORS = fileURLToPath(new URL("../../packages/protocol/test/vectors/zk-3.8/", import.meta.url));
interface VectorFrame {
  dir: string;
  kind: string;
  hex: string;
}
const vector = (name: string): VectorFrame[] => JSON.parse(readFileSync(`${VECTORS}${name}.json`, "utf8")).frames;
const framesOf = (name: string, dir: "c2s" | "s2c") => vector(name).filter((f) => f.kind === "frame" && f.dir === dir);

let dataDir: string;
let server: ServerProcess | undefined;
const clients: Client[] = [];
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "warden-e2e-null-data-"));
  // snapCount 10 (its least): the writes below are enough for a snapshot before the restart.
  server = await ServerProcess.start({
    dataDir,
    settings: { tickTime: "100", minSessionTimeout: "400", maxSessionTimeout: "20000", snapCount: "10" },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await server?.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

async function client(): Promise<Client> {
  const c = createClient(server!.connectString, { sessionTimeoutMs: 15_000, reconnectDelayMsMin: 20, reconnectDelayMsMax: 100 });
  clients.push(c);
  await c.connected({ timeoutMs: 5000 });
  return c;
}

/** A reply's bytes with the zxid of its header and the Stat's zxids and times zeroed (they differ between servers). */
function maskGetDataReply(hex: string): string {
  const b = Buffer.from(hex, "hex");
  const statAt = 4 + 16 + 4; // frame length, ReplyHeader, data length -1
  for (const [at, n] of [
    [8, 8],
    [statAt, 32],
    [statAt + 60, 8],
  ] as const)
    b.fill(0, at, at + n);
  return b.toString("hex");
}

describe("null node data over the ZooKeeper port", () => {
  it("getData of a node created with null data is answered with ZooKeeper 3.8's bytes (data length -1, dataLength 0)", async () => {
    const tcp = await openTcp(server!.ports.client, false);
    const replies = new Inbox<Uint8Array>();
    const splitter = new jute.JuteFrameSplitter();
    tcp.socket.on("data", (chunk: Buffer) => {
      for (const f of splitter.feed(chunk)) replies.push(f);
    });
    tcp.socket.write(
      jute.encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeoutMs: 4000,
        sessionId: 0n,
        password: new Uint8Array(16),
        readOnly: false,
      }),
    );
    // The Java client's create("/nodata", null, ...) and getData("/nodata"), as captured.
    const create = framesOf("create", "c2s").find((f) => f.hex.includes(Buffer.from("/nodata").toString("hex")))!;
    const getData = framesOf("getData", "c2s").find((f) => f.hex.includes(Buffer.from("/nodata").toString("hex")))!;
    tcp.socket.write(Buffer.from(create.hex, "hex"));
    tcp.socket.write(Buffer.from(getData.hex, "hex"));
    await replies.next("the ConnectResponse");
    const created = await replies.next("the create reply", 2);
    expect(new DataView(created.buffer, created.byteOffset).getInt32(12), "create err").toBe(0);
    const ours = await replies.next("the getData reply", 3);
    const theirs = framesOf("getData", "s2c")[1]!.hex;
    const length = Buffer.alloc(4);
    length.writeInt32BE(ours.length);
    const withLength = Buffer.concat([length, ours]).toString("hex");
    expect(maskGetDataReply(withLength)).toBe(maskGetDataReply(theirs));
    tcp.socket.destroy();
  });

  it("null stays null and empty stays empty, on both ports, through the log, a snapshot and a SIGKILL restart", async () => {
    const c = await client();
    await c.create("/null", null);
    await c.create("/empty", new Uint8Array(0));
    await c.create("/set-null", "x");
    await c.setData("/set-null", null);
    await c.transaction().create("/multi-null", null).setData("/empty", new Uint8Array(0)).commit();
    for (let i = 0; i < 12; i++) await c.create(`/filler-${i}`, "f");
    const snapshots = async () => (await readdir(dataDir, { recursive: true })).filter((n) => /snapshot\.[0-9a-f]{16}$/.test(n));
    await waitFor("a snapshot after snapCount writes", async () => (await snapshots()).length > 0, 10_000);
    await c.create("/after-snapshot-null", null);

    const s = server!;
    await s.kill("SIGKILL");
    await s.restart();
    const d = await client();
    for (const path of ["/null", "/set-null", "/multi-null", "/after-snapshot-null"]) {
      const { data, stat } = await d.getData(path);
      expect(data, path).toBeNull();
      expect(stat.dataLength, path).toBe(0);
    }
    expect((await d.getData("/empty")).data).toEqual(new Uint8Array(0));

    const zk = await openZk(s.ports.client);
    zk.send(1, { type: "getData", path: "/null", watch: false });
    zk.send(2, { type: "getData", path: "/empty", watch: false });
    zk.send(3, {
      type: "multiRead",
      ops: [
        { type: "getData", path: "/set-null", watch: false },
        { type: "getData", path: "/empty", watch: false },
      ],
    });
    // Bytes as a plain array: the decoder's copies are Buffers here, null stays null.
    const plain = (data: Uint8Array | null) => (data === null ? null : [...data]);
    const one = async (xid: number) => {
      const r = (await zk.reply(xid)).response;
      return r?.type === "getData" ? plain(r.data) : r;
    };
    expect(await one(1)).toBeNull();
    expect(await one(2)).toEqual([]);
    const multi = (await zk.reply(3)).response;
    expect(multi?.type === "multiRead" && multi.results.map((r) => (r.type === "getData" ? plain(r.data) : r))).toEqual([null, []]);
    zk.socket.destroy();
  });
});
