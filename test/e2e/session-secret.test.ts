// An ensemble started without ensembleSecretFile (an unedited ZooKeeper zoo.cfg) must not
// derive session passwords from a constant: its first leader commits a random secret through
// the log, every server derives the same passwords from it, and it outlives a restart.
import { createHmac } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jute } from "@warden/protocol";
import { eventually, startEnsemble, type TestEnsemble } from "../recipes/helpers/ensemble.js";

let ensemble: TestEnsemble;
beforeAll(async () => {
  ensemble = await startEnsemble({ withoutSecret: true, zookeeperPort: true });
});
afterAll(async () => {
  await ensemble.stop();
});

/** One ZooKeeper-port handshake: the ConnectResponse's timeout (0: refused), session and password. */
function handshake(
  port: number,
  sessionId: bigint,
  password: Uint8Array,
): Promise<{ timeoutMs: number; sessionId: bigint; password: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let got = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("connect", () =>
      socket.write(
        jute.encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeoutMs: 10_000, sessionId, password, readOnly: false }),
      ),
    );
    socket.on("data", (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 4 || got.length < 4 + got.readUInt32BE(0)) return;
      socket.destroy();
      const { response } = jute.decodeConnectResponse(got.subarray(4, 4 + got.readUInt32BE(0)));
      resolve(response);
    });
    socket.on("close", () => reject(new Error(`port ${port} closed without a ConnectResponse`)));
  });
}

/** What every such ensemble used before: HMAC-SHA256 of the id under a well-known key. */
function passwordTheOldWay(sessionId: bigint): Uint8Array {
  const id = Buffer.alloc(8);
  id.writeBigUInt64BE(sessionId);
  return new Uint8Array(createHmac("sha256", "warden-without-ensemble-secret").update(id).digest().subarray(0, 16));
}

const clientPort = (id: number) => ensemble.server(id)!.ports.client;

describe("an ensemble without ensembleSecretFile", () => {
  it("shares one random session secret, committed through the log", async () => {
    const c = await ensemble.client();
    await c.sync("/"); // a session exists: the secret committed before it
    const secrets = [1, 2, 3].map((id) => ensemble.server(id)!.node.tree.sessionSecret);
    expect(secrets[0]).toHaveLength(32);
    expect(secrets[1]).toEqual(secrets[0]);
    expect(secrets[2]).toEqual(secrets[0]);
  });

  it("gives passwords nobody outside can compute: the old derivation is refused on every server, the real one accepted on every server", async () => {
    const created = await handshake(clientPort(1), 0n, new Uint8Array(16));
    expect(created.timeoutMs).toBeGreaterThan(0);
    const old = passwordTheOldWay(created.sessionId);
    expect(Buffer.from(created.password).equals(Buffer.from(old))).toBe(false);
    for (const id of [1, 2, 3]) {
      expect((await handshake(clientPort(id), created.sessionId, old)).timeoutMs).toBe(0);
      const again = await handshake(clientPort(id), created.sessionId, created.password);
      expect(again.timeoutMs).toBeGreaterThan(0);
      expect(again.sessionId).toBe(created.sessionId);
    }
  });

  it("keeps the secret across a restart of every server: a session's password still works", async () => {
    const created = await handshake(clientPort(2), 0n, new Uint8Array(16));
    const before = ensemble.server(1)!.node.tree.sessionSecret;
    await Promise.all([1, 2, 3].map((id) => ensemble.stopServer(id)));
    await Promise.all([1, 2, 3].map((id) => ensemble.startServer(id)));
    const c = await ensemble.client();
    await c.sync("/"); // a quorum serves again
    // Each server applies its log again once it hears from the leader what committed.
    const same = (id: number) => Buffer.from(ensemble.server(id)!.node.tree.sessionSecret ?? []).equals(Buffer.from(before!));
    await eventually(() => [1, 2, 3].every(same), 10_000, "every server to hold the same secret again");
    const again = await handshake(clientPort(3), created.sessionId, created.password);
    expect(again.timeoutMs).toBeGreaterThan(0);
  });
});
