// TLS between servers (sslQuorum=true, ZooKeeper's ssl.quorum.* keys) in a three-process
// ensemble on loopback: it elects a leader, replicates writes and survives its leader being
// killed; a peer with a certificate of another CA and a plain-text peer get no link, are
// counted in the peer metrics, and the servers go on; the servers' own dials are TLS
// ClientHellos, not peer frames. Certificates are made with openssl under a temporary directory.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { encode } from "cbor-x";
import { connect as connectTcp, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as connectTls } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessEnsemble, hasOpenssl, makeTestCa, waitUntil, type CertFiles, type TestCa } from "@warden/testing";
import {
  TEST_ENSEMBLE,
  allWritersProgress,
  clientOn,
  closeAll,
  expectEveryServerHasEveryAck,
  sessionProblems,
  startWriters,
  type Writer,
} from "./workload.js";

/** A peer hello frame as a plain-text server would send it (4-byte length, CBOR). */
const HELLO_CBOR = encode({ hello: 2, id: 1, to: 2, nonce: new Uint8Array(16) }) as Uint8Array;
const PLAIN_HELLO = Buffer.concat([Buffer.from([0, 0, 0, HELLO_CBOR.length]), HELLO_CBOR]);

async function metric(ensemble: ProcessEnsemble, id: number, line: RegExp): Promise<number> {
  const s = ensemble.server(id);
  const body = await (await fetch(`http://${s.host}:${s.ports.admin}/metrics`)).text();
  const m = line.exec(body);
  return m ? Number(m[1]) : 0;
}
const tlsRefusals = (e: ProcessEnsemble, id: number) => metric(e, id, /^warden_peer_connections_closed\{reason="tls-handshake"\} (\d+)/m);

/** What a server's peer port answers a socket that speaks first with `bytes`, until it closes (or 5 s). */
function answerTo(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const s: Socket = connectTcp({ host: "127.0.0.1", port }, () => s.write(bytes));
    s.setTimeout(5000, () => s.destroy());
    s.on("data", (c: Buffer) => got.push(c));
    s.on("error", () => {});
    s.on("close", () => resolve(Buffer.concat(got)));
  });
}

describe.skipIf(!hasOpenssl())("a three-server ensemble with sslQuorum=true", () => {
  let dir: string;
  let ca: TestCa;
  let rogueCa: TestCa;
  let serverCert: CertFiles;
  let stranger: CertFiles;
  let ensemble: ProcessEnsemble;
  let writers: Writer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "warden-ssl-quorum-"));
    ca = makeTestCa(dir, "ensemble");
    rogueCa = makeTestCa(dir, "rogue");
    serverCert = ca.issue("server", "/O=Warden tests/CN=server", { server: true });
    stranger = rogueCa.issue("stranger", "/O=Warden tests/CN=server", { server: true });
    ensemble = await ProcessEnsemble.start({
      ...TEST_ENSEMBLE,
      extraConfig: { sslQuorum: "true", "ssl.quorum.keyStore.location": serverCert.pem, "ssl.quorum.trustStore.location": ca.caCert },
    });
    writers = await startWriters(ensemble, 3);
  }, 60_000);
  afterAll(async () => {
    await closeAll(writers);
    await ensemble?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("elects a leader and replicates writes to every server", async () => {
    const leader = await ensemble.waitForLeader();
    await allWritersProgress(writers, 20, 15_000);
    // A write through a follower goes to the leader and back to everyone, all of it over TLS.
    const follower = ensemble.servers.find((s) => s.id !== leader)!.id;
    const writer = await clientOn(ensemble.nativeAddress(follower));
    await writer.create("/over-tls", new TextEncoder().encode("replicated"));
    await writer.close();
    for (const s of ensemble.servers) {
      const reader = await clientOn(ensemble.nativeAddress(s.id));
      await reader.sync("/over-tls");
      expect(new TextDecoder().decode((await reader.getData("/over-tls")).data), `on server ${s.id}`).toBe("replicated");
      await reader.close();
    }
    for (const s of ensemble.servers) expect(await tlsRefusals(ensemble, s.id)).toBe(0);
  }, 40_000);

  it("a peer with a certificate of another CA, and a plain-text peer, get no link and are counted; the servers go on", async () => {
    const leader = await ensemble.waitForLeader();
    const target = ensemble.servers.find((s) => s.id !== leader)!;
    const before = await tlsRefusals(ensemble, target.id);
    // The stranger does not check the server (rejectUnauthorized false): what is tested is that the server refuses it.
    const strangerOutcome = await new Promise<string>((resolve) => {
      const s = connectTls({
        host: "127.0.0.1",
        port: target.ports.peer,
        cert: readFileSync(stranger.cert),
        key: readFileSync(stranger.key),
        rejectUnauthorized: false,
      });
      s.on("secureConnect", () => s.write(PLAIN_HELLO));
      s.on("data", () => resolve("the server answered a peer frame"));
      s.on("error", (e: Error & { code?: string }) => resolve(`error ${e.code ?? e.message}`));
      s.on("close", () => resolve("closed"));
    });
    expect(strangerOutcome).not.toBe("the server answered a peer frame");
    const plain = await answerTo(target.ports.peer, PLAIN_HELLO);
    // Nothing but a TLS alert record (content type 21) comes back, if anything.
    expect(plain.length === 0 || plain[0] === 0x15).toBe(true);
    await waitUntil("both refusals to be counted", async () => (await tlsRefusals(ensemble, target.id)) >= before + 2, 5000);
    expect(ensemble.isRunning(target.id)).toBe(true);
    await allWritersProgress(writers, 10, 10_000);
  }, 30_000);

  it("the servers dial each other with TLS ClientHellos, not peer frames", async () => {
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.servers.find((s) => s.id !== leader)!;
    await ensemble.kill(follower.id);
    // In the stopped server's place: a listener that records what its peers send first.
    const firsts: Buffer[] = [];
    const listener = createServer((s) => s.once("data", (c: Buffer) => (firsts.push(c), s.destroy())));
    await new Promise<void>((r) => listener.listen(follower.ports.peer, "127.0.0.1", () => r()));
    try {
      await waitUntil("both other servers to dial", () => (firsts.length >= 2 ? true : undefined), 10_000);
    } finally {
      await new Promise<void>((r) => listener.close(() => r()));
    }
    for (const b of firsts) expect([b[0], b[1], b[5]]).toEqual([0x16, 0x03, 0x01]);
    ensemble.restart(follower.id);
    await ensemble.waitForAgreement({ timeoutMs: 20_000 });
  }, 40_000);

  it("survives the leader being killed: the others elect a new one over TLS, writes resume, the restarted server catches up", async () => {
    const old = await ensemble.waitForLeader();
    await ensemble.kill(old);
    const others = ensemble.servers.map((s) => s.id).filter((id) => id !== old);
    const leader = await ensemble.waitForLeader({ among: others, not: old, timeoutMs: 10_000 });
    expect(others).toContain(leader);
    await allWritersProgress(writers, 20, 15_000);
    ensemble.restart(old);
    await ensemble.waitForLeader({ timeoutMs: 15_000 });
    await allWritersProgress(writers, 10, 10_000);
    await Promise.all(writers.map((w) => w.stop()));
    await ensemble.waitForAgreement();
    expect(sessionProblems(writers)).toEqual([]);
    await expectEveryServerHasEveryAck(ensemble, writers);
  }, 60_000);
});
