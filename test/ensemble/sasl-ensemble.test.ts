// SASL identities across a three-process ensemble: alice authenticates on a follower, whose
// writes go to the leader with her identity sasl:alice; the leader checks ACLs and expands
// auth ACLs with it. bob, authenticated on the other follower, is refused at the leader.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateMode, ErrorCode, Perms, type ACL } from "@warden/protocol";
import { ProcessEnsemble } from "@warden/testing";
import { TEST_ENSEMBLE } from "./workload.js";
import { call, saslSession } from "../e2e/sasl-client.js";

const JAAS = `Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required user_alice="alice-secret" user_bob="bob-secret";
};
`;

describe("SASL identities in a three-server ensemble", () => {
  let ensemble: ProcessEnsemble;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "warden-sasl-ensemble-"));
    writeFileSync(join(dir, "server.jaas"), JAAS);
    ensemble = await ProcessEnsemble.start({ ...TEST_ENSEMBLE, extraConfig: { jaasLoginConfig: join(dir, "server.jaas") } });
  }, 60_000);
  afterAll(async () => {
    await ensemble?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes from a follower carry sasl:alice to the leader; bob on another follower is refused", async () => {
    const leader = await ensemble.waitForLeader();
    const [f1, f2] = ensemble.servers.map((s) => s.id).filter((id) => id !== leader) as [number, number];
    const alice = await saslSession(ensemble.server(f1).ports.client, "alice", "alice-secret");
    expect(alice.second.err).toBe(ErrorCode.OK);
    const acl: ACL[] = [{ perms: Perms.ALL, id: { scheme: "auth", id: "" } }];
    expect((await call(alice.zk, { type: "create", path: "/alice", data: Buffer.from("a"), acl, mode: CreateMode.PERSISTENT })).err).toBe(
      ErrorCode.OK,
    );
    const got = await call(alice.zk, { type: "getACL", path: "/alice" });
    expect((got.response as { acl: ACL[] }).acl).toEqual([{ perms: Perms.ALL, id: { scheme: "sasl", id: "alice" } }]);
    expect((await call(alice.zk, { type: "setData", path: "/alice", data: Buffer.from("b"), version: -1 })).err).toBe(ErrorCode.OK);
    const bob = await saslSession(ensemble.server(f2).ports.client, "bob", "bob-secret");
    expect(bob.second.err).toBe(ErrorCode.OK);
    expect((await call(bob.zk, { type: "setData", path: "/alice", data: Buffer.from("c"), version: -1 })).err).toBe(ErrorCode.NO_AUTH);
    expect((await call(bob.zk, { type: "sync", path: "/alice" })).err).toBe(ErrorCode.OK);
    expect((await call(bob.zk, { type: "getData", path: "/alice", watch: false })).err).toBe(ErrorCode.NO_AUTH);
    for (const c of [alice.zk, bob.zk]) c.socket.destroy();
  }, 30_000);
});
