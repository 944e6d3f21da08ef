// TLS between servers (sslQuorum): peer transports on loopback with certificates made by
// openssl. Peers with certificates of the ensemble's CA talk (with and without the ensemble
// secret inside); a plain-text peer, a certificate of another CA, and a certificate that does
// not name the host are refused, counted, and leave the others' links alone.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "cbor-x";
import { hasOpenssl, makeTestCa, type CertFiles, type TestCa } from "@warden/testing";
import type { TlsSettings } from "../src/config/tls-settings.js";
import { PeerTls } from "../src/peer/peer-tls.js";
import type { PeerAddress } from "../src/peer/transport.js";
import { addresses, frameBytes, onCleanup, peerTransport, until, type TestPeer } from "./helpers/peer-net.js";

const secret = new TextEncoder().encode("peer-tls-test-secret");
const PING = { c: { type: "vote-request", from: 0, to: 0, epoch: 1, lastZxid: 0n } };

let dir: string;
let ca: TestCa;
let rogueCa: TestCa;
let good: CertFiles;
let rogue: CertFiles;
let elsewhere: CertFiles;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "warden-peer-tls-"));
  ca = makeTestCa(dir, "ensemble");
  rogueCa = makeTestCa(dir, "rogue");
  good = ca.issue("server", "/O=Warden tests/CN=server", { server: true });
  rogue = rogueCa.issue("rogue", "/O=Warden tests/CN=server", { server: true });
  elsewhere = ca.issue("elsewhere", "/O=Warden tests/CN=elsewhere", { altNames: "DNS:elsewhere.example" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function settings(cert: CertFiles, over: Partial<TlsSettings> = {}, trust = ca): TlsSettings {
  return {
    keyStore: { location: cert.pem, password: "", type: "PEM" },
    trustStore: { location: trust.caCert, password: "", type: "PEM" },
    clientAuth: "need",
    minVersion: "TLSv1.2",
    maxVersion: "TLSv1.3",
    ciphers: undefined,
    hostnameVerification: true,
    reload: false,
    ...over,
  };
}

function tlsPeer(
  peers: PeerAddress[],
  id: number,
  cert: CertFiles,
  options: {
    secret?: Uint8Array;
    over?: Partial<TlsSettings>;
    trust?: TestCa;
    clientHostnameVerification?: boolean;
    handshakesMax?: number;
  } = {},
): TestPeer {
  const s = settings(cert, options.over, options.trust);
  const tls = new PeerTls(
    { settings: s, clientHostnameVerification: options.clientHostnameVerification ?? s.hostnameVerification },
    2000,
    () => {},
    () => {},
    options.handshakesMax,
  );
  return peerTransport(peers, id, options.secret, { tls, handshakeTimeoutMs: 2000 });
}

const closed = (p: TestPeer, reason: "tls-handshake" | "tls-hostname") => p.t.stats.closedCount(reason);
const heard = (p: TestPeer, from: number) => p.inbox.some(([f]) => f === from);

describe.skipIf(!hasOpenssl())("peer connections over TLS (sslQuorum)", () => {
  for (const withSecret of [true, false]) {
    it(`servers with certificates of the ensemble's CA exchange messages both ways${withSecret ? ", the ensemble-secret handshake and frame MACs inside" : " (no ensemble secret)"}`, async () => {
      const peers = await addresses(2);
      const [a, b] = [
        tlsPeer(peers, 1, good, { secret: withSecret ? secret : undefined }),
        tlsPeer(peers, 2, good, { secret: withSecret ? secret : undefined }),
      ];
      await Promise.all([a.t.start(), b.t.start()]);
      a.t.send(2, PING);
      b.t.send(1, PING);
      await until("each to hear the other", () => heard(a, 2) && heard(b, 1));
      expect(a.t.stats.closedCount() + b.t.stats.closedCount()).toBe(0);
    });
  }

  it("the dialer's first bytes are a TLS ClientHello, not a peer frame", async () => {
    const peers = await addresses(2);
    const first = new Promise<Buffer>((resolve) => {
      const listener = createServer((s) => s.once("data", (chunk: Buffer) => (resolve(chunk), s.destroy())));
      listener.listen(peers[1]!.port, "127.0.0.1");
      onCleanup(() => new Promise<void>((r) => listener.close(() => r())));
    });
    await tlsPeer(peers, 1, good, { secret }).t.start();
    const bytes = await first;
    // A TLS record of type handshake (0x16), version 3.x, whose first message is a ClientHello (1).
    expect([bytes[0], bytes[1], bytes[5]]).toEqual([0x16, 0x03, 0x01]);
    expect(bytes.includes(Buffer.from("hello"))).toBe(false);
  });

  it("a plain-text peer connecting to a TLS peer port gets no link: refused, counted, and answered with nothing but a TLS alert", async () => {
    const peers = await addresses(2);
    const b = tlsPeer(peers, 2, good);
    await b.t.start();
    const plain = peerTransport(peers, 1, undefined, { handshakeTimeoutMs: 2000 });
    await plain.t.start();
    plain.t.send(2, PING);
    await until("the TLS port to refuse the plain-text dialer", () => closed(b, "tls-handshake") >= 1);
    // A raw socket sending a plain hello frame reads back a TLS alert record (0x15), or nothing.
    const answer = await new Promise<Buffer>((resolve) => {
      const s: Socket = connect({ host: "127.0.0.1", port: peers[1]!.port }, () =>
        s.write(frameBytes(encode({ hello: 2, id: 1, to: 2, nonce: new Uint8Array(16) }) as Uint8Array)),
      );
      const got: Buffer[] = [];
      s.on("data", (c: Buffer) => got.push(c));
      s.on("error", () => {});
      s.on("close", () => resolve(Buffer.concat(got)));
    });
    expect(answer.length === 0 || answer[0] === 0x15).toBe(true);
    expect(plain.inbox).toEqual([]);
    expect(b.inbox).toEqual([]);
  });

  it("a peer with a certificate from another CA is refused both ways and counted; the others' link is unaffected", async () => {
    const peers = await addresses(3);
    const [one, two] = [tlsPeer(peers, 1, good, { secret }), tlsPeer(peers, 2, good, { secret })];
    // Server 3 holds a certificate of another CA (and trusts only that CA): it has the secret, not the ensemble's certificates.
    const three = tlsPeer(peers, 3, rogue, { secret, trust: rogueCa });
    await Promise.all([one.t.start(), two.t.start(), three.t.start()]);
    for (const [from, to] of [
      [1, 2],
      [2, 1],
      [1, 3],
      [3, 1],
      [2, 3],
      [3, 2],
    ] as const)
      [one, two, three][from - 1]!.t.send(to, PING);
    await until(
      "1 and 2 to hear each other, and each to refuse 3",
      () =>
        heard(one, 2) &&
        heard(two, 1) &&
        closed(one, "tls-handshake") >= 2 &&
        closed(two, "tls-handshake") >= 2 &&
        closed(three, "tls-handshake") >= 2,
    );
    expect(one.inbox.filter(([f]) => f === 3)).toEqual([]);
    expect(two.inbox.filter(([f]) => f === 3)).toEqual([]);
    expect(three.inbox).toEqual([]);
    expect(one.t.connectedPeers()).toEqual([2]);
  });

  it("hostname verification: the dialer refuses an acceptor whose certificate does not name the server.N host; off, it connects", async () => {
    const peers = await addresses(2);
    const a = tlsPeer(peers, 1, good, { secret });
    const b = tlsPeer(peers, 2, elsewhere, { secret, clientHostnameVerification: false });
    await Promise.all([a.t.start(), b.t.start()]);
    a.t.send(2, PING);
    // (1 also refuses 2's dial, by the acceptor's check: the other direction, tested below.)
    await until("1 to refuse the certificate of 2 it dialed", () =>
      /to peer 2 .* closed \(tls-hostname\): ERR_TLS_CERT_ALTNAME_INVALID/.test(a.logs.join("\n")),
    );
    expect(b.inbox).toEqual([]);

    const peers2 = await addresses(2);
    const c = tlsPeer(peers2, 1, good, { secret, over: { hostnameVerification: false } });
    const d = tlsPeer(peers2, 2, elsewhere, { secret, over: { hostnameVerification: false } });
    await Promise.all([c.t.start(), d.t.start()]);
    c.t.send(2, PING);
    await until("2 to hear 1 without hostname verification", () => heard(d, 1));
  });

  it("client hostname verification: the acceptor refuses a dialer whose certificate names neither its address nor a server.N host there", async () => {
    const peers = await addresses(2);
    const a = tlsPeer(peers, 1, elsewhere, { secret, over: { hostnameVerification: false } });
    const b = tlsPeer(peers, 2, good, { secret });
    await Promise.all([a.t.start(), b.t.start()]);
    a.t.send(2, PING);
    // (2's own dial to 1 fails its host name check too: that is the other direction, tested above.)
    await until("2 to refuse 1's dial", () =>
      /from 127\.0\.0\.1 closed \(tls-hostname\): its certificate .* names neither 127\.0\.0\.1/.test(b.logs.join("\n")),
    );
    expect(b.inbox).toEqual([]);
  });

  it("TLS handshakes in progress on the peer port are bounded: one over the bound is closed before its handshake and counted; an established link does not hold a place", async () => {
    const peers = await addresses(2);
    const b = tlsPeer(peers, 2, good, { secret, handshakesMax: 1 });
    await b.t.start();
    const idle: Socket[] = [];
    const closedIdle = () => idle.filter((s) => s.destroyed).length;
    for (let i = 0; i < 2; i++) {
      const s = connect({ host: "127.0.0.1", port: peers[1]!.port });
      s.on("error", () => {});
      s.on("close", () => s.destroy());
      idle.push(s);
    }
    await until("the second idle socket to be closed", () => closedIdle() >= 1 && closed(b, "tls-handshake") >= 1);
    expect(b.logs.join("\n")).toMatch(/1 TLS handshakes in progress on the peer port/);
    expect(closed(b, "tls-handshake")).toBe(1);
    for (const s of idle) s.destroy();
    // A real peer links; afterwards its connection holds no place among the handshakes (bound 1: one more TLS client still gets through).
    const c = tlsPeer(peers, 1, good, { secret });
    await c.t.start();
    c.t.send(2, PING);
    await until("2 to hear 1", () => heard(b, 1));
    const outcome = await new Promise<string>((resolve) => {
      const s = connectTls({
        host: "127.0.0.1",
        port: peers[1]!.port,
        ca: readFileSync(ca.caCert),
        cert: readFileSync(good.cert),
        key: readFileSync(good.key),
      });
      s.on("secureConnect", () => (resolve("handshake done"), s.destroy()));
      s.on("error", (e) => resolve(`error: ${e.message}`));
    });
    expect(outcome).toBe("handshake done");
  });

  it("sslQuorumReloadCertFiles: a key store replaced on disk is used by new connections both ways, the listener's and the dialer's", async () => {
    const peers = await addresses(3);
    const served = join(dir, "reloaded.pem");
    copyFileSync(good.pem, served);
    const s2 = settings(good, { reload: true });
    s2.keyStore = { ...s2.keyStore, location: served };
    const tls2 = new PeerTls({ settings: s2, clientHostnameVerification: true }, 2000, () => {});
    const two = peerTransport(peers, 2, secret, { tls: tls2, handshakeTimeoutMs: 2000 });
    await two.t.start();
    tls2.reloader!.start();
    onCleanup(() => tls2.reloader!.stop());
    // Before: 1 links with 2 both ways.
    const one = tlsPeer(peers, 1, good, { secret });
    await one.t.start();
    one.t.send(2, PING);
    two.t.send(1, PING);
    await until("1 and 2 to link", () => heard(two, 1) && heard(one, 2));
    // 2's key store becomes a certificate of another CA: the file watcher reloads it.
    copyFileSync(rogue.pem, served);
    await until("2 to reload its stores", () => tls2.reloader!.reloads >= 1);
    // A server that starts now refuses 2's certificate, dialing 2 and dialed by 2.
    const three = tlsPeer(peers, 3, good, { secret });
    await three.t.start();
    three.t.send(2, PING);
    two.t.send(3, PING);
    const logs = () => three.logs.join("\n");
    await until(
      "3 to refuse 2 both ways",
      () =>
        /to peer 2 .* closed \(tls-handshake\)/.test(logs()) &&
        /from 127\.0\.0\.1:\d+ closed \(tls-handshake\): its certificate does not verify/.test(logs()),
    );
    expect(three.inbox).toEqual([]);
  });

  it("ssl.quorum.clientAuth: want refuses a dialer whose certificate does not verify; none does not ask for one", async () => {
    // 1 holds a certificate of another CA but trusts the ensemble's CA, so it accepts 2's certificate and offers its own.
    for (const [clientAuth, links] of [
      ["want", false],
      ["none", true],
    ] as const) {
      const peers = await addresses(2);
      const two = tlsPeer(peers, 2, good, { secret, over: { clientAuth } });
      const one = tlsPeer(peers, 1, rogue, { secret, clientHostnameVerification: false });
      await Promise.all([one.t.start(), two.t.start()]);
      one.t.send(2, PING);
      if (links) {
        await until("2 to hear 1 without asking for its certificate", () => heard(two, 1));
      } else {
        await until("2 to refuse 1's certificate", () =>
          /closed \(tls-handshake\): its certificate does not verify/.test(two.logs.join("\n")),
        );
        expect(two.inbox).toEqual([]);
      }
    }
  });

  it("on the wire, a link is TLS records from its first byte to its last: a message's bytes never appear", async () => {
    const peers = await addresses(2);
    // Server 1 reaches 2 through a recording proxy (a packet capture on the path, in effect).
    const proxyPort = (await addresses(1))[0]!.port;
    const captured: Buffer[] = [];
    const proxy = createServer((from) => {
      const to = connect({ host: "127.0.0.1", port: peers[1]!.port });
      from.on("data", (c: Buffer) => (captured.push(c), to.write(c)));
      to.on("data", (c: Buffer) => from.write(c));
      for (const s of [from, to]) s.on("error", () => {});
      from.on("close", () => to.destroy());
      to.on("close", () => from.destroy());
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", () => r()));
    onCleanup(() => new Promise<void>((r) => proxy.close(() => r())));
    const viaProxy = peers.map((p) => (p.id === 2 ? { ...p, port: proxyPort } : p));
    const one = tlsPeer(viaProxy, 1, good, { secret });
    const two = tlsPeer(peers, 2, good, { secret });
    await Promise.all([one.t.start(), two.t.start()]);
    const marker = "plain-text-marker-".repeat(20);
    one.t.send(2, { c: { type: "vote-request", from: 1, to: 2, epoch: 1, lastZxid: 0n, note: marker } });
    await until("2 to hear 1 through the proxy", () => heard(two, 1));
    const bytes = Buffer.concat(captured);
    expect(bytes.includes(Buffer.from("plain-text-marker"))).toBe(false);
    expect(bytes.includes(Buffer.from("vote-request"))).toBe(false);
    // Every byte belongs to a TLS record: content type 20-23, version 3.x, a length that fits.
    let at = 0;
    const types = new Set<number>();
    while (at + 5 <= bytes.length) {
      expect([bytes[at]! >= 20 && bytes[at]! <= 23, bytes[at + 1]]).toEqual([true, 3]);
      types.add(bytes[at]!);
      at += 5 + bytes.readUInt16BE(at + 3);
    }
    expect(at).toBe(bytes.length);
    expect(types.has(23)).toBe(true); // application data: the peer handshake and the message, encrypted
  });
});
