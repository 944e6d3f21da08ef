// ACL enforcement through a real server: denials, addAuth digest, the auth scheme, ip
// identities and the operator's superDigest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthFailedError,
  CREATOR_ALL_ACL,
  ErrorCode,
  InvalidACLError,
  NoAuthError,
  OPEN_ACL_UNSAFE,
  OpCode,
  Perms,
  jute,
  type ACL,
} from "@warden/protocol";
import { digestId } from "@warden/tree";
import type { Client } from "@warden/client";
import { Inbox, startStandalone, text, type Standalone } from "./harness.js";
import { openZk } from "./raw.js";

const SUPER_PASSWORD = "root-secret";
let s: Standalone;
let owner: Client;
let stranger: Client;
beforeAll(async () => {
  s = await startStandalone({ superDigest: digestId("super", SUPER_PASSWORD) });
  [owner, stranger] = await Promise.all([s.client(), s.client()]);
  await owner.addAuth("digest", "ann:ann-pw");
});
afterAll(() => s?.stop());

const annOnly: ACL[] = [{ perms: Perms.ALL, id: { scheme: "digest", id: digestId("ann", "ann-pw") } }];

describe("ACL denials", () => {
  it("refuses every guarded operation to a session without the identity, with NoAuthError", async () => {
    await owner.create("/secret", "s", { acl: annOnly });
    await owner.create("/secret/child", "c", { acl: annOnly });
    await expect(stranger.getData("/secret")).rejects.toBeInstanceOf(NoAuthError);
    await expect(stranger.setData("/secret", "x")).rejects.toBeInstanceOf(NoAuthError);
    await expect(stranger.getChildren("/secret")).rejects.toBeInstanceOf(NoAuthError);
    await expect(stranger.create("/secret/mine")).rejects.toBeInstanceOf(NoAuthError);
    await expect(stranger.delete("/secret/child")).rejects.toBeInstanceOf(NoAuthError);
    await expect(stranger.setACL("/secret", OPEN_ACL_UNSAFE)).rejects.toBeInstanceOf(NoAuthError);
    await expect(stranger.getACL("/secret")).rejects.toBeInstanceOf(NoAuthError); // READ or ADMIN, as ZooKeeper since ZOOKEEPER-1392
    await expect(stranger.exists("/secret")).rejects.toBeInstanceOf(NoAuthError); // READ, checked when the node exists
    expect(await stranger.exists("/secret/none")).toBeNull();
    // Nothing changed.
    expect(text((await owner.getData("/secret")).data)).toBe("s");
    expect(await owner.getChildren("/secret")).toEqual(["child"]);
  });

  it("a multi with one denied op changes nothing", async () => {
    await owner.create("/secret-multi", "", { acl: annOnly });
    await stranger.create("/open-multi");
    const err = await stranger
      .transaction()
      .create("/open-multi/a")
      .setData("/secret-multi", "x")
      .commit()
      .catch((e: unknown) => e);
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(NoAuthError);
    expect(await stranger.exists("/open-multi/a")).toBeNull();
  });

  it("checks each permission bit separately", async () => {
    await owner.create("/read-only", "r", { acl: [{ perms: Perms.READ, id: { scheme: "world", id: "anyone" } }] });
    expect(text((await stranger.getData("/read-only")).data)).toBe("r");
    await expect(stranger.setData("/read-only", "w")).rejects.toBeInstanceOf(NoAuthError);
    await expect(stranger.create("/read-only/c")).rejects.toBeInstanceOf(NoAuthError);
    await owner.create("/create-only", "", { acl: [{ perms: Perms.CREATE | Perms.READ, id: { scheme: "world", id: "anyone" } }] });
    await stranger.create("/create-only/c");
    await expect(stranger.delete("/create-only/c")).rejects.toBeInstanceOf(NoAuthError);
  });
});

describe("authentication", () => {
  it("addAuth digest grants what the digest ACL allows, on the same session", async () => {
    await owner.create("/later", "v", { acl: annOnly });
    const c = await s.client();
    await expect(c.getData("/later")).rejects.toBeInstanceOf(NoAuthError);
    await c.addAuth("digest", "ann:ann-pw");
    expect(text((await c.getData("/later")).data)).toBe("v");
    const wrong = await s.client();
    await wrong.addAuth("digest", "ann:wrong");
    await expect(wrong.getData("/later")).rejects.toBeInstanceOf(NoAuthError);
  });

  it("the auth scheme ACL becomes the creator's authenticated identities", async () => {
    await owner.create("/creator", "", { acl: CREATOR_ALL_ACL });
    expect((await owner.getACL("/creator")).acl).toEqual(annOnly);
    await expect(stranger.create("/creator-anon", "", { acl: CREATOR_ALL_ACL })).rejects.toBeInstanceOf(InvalidACLError);
  });

  it("the ip scheme matches the connection's address", async () => {
    await owner.create("/by-ip", "", { acl: [{ perms: Perms.ALL, id: { scheme: "ip", id: "127.0.0.0/8" } }] });
    await owner.create("/other-ip", "", { acl: [{ perms: Perms.ALL, id: { scheme: "ip", id: "10.0.0.1" } }] });
    await stranger.getData("/by-ip");
    await expect(stranger.getData("/other-ip")).rejects.toBeInstanceOf(NoAuthError);
  });

  it("the superDigest user may do anything", async () => {
    await owner.create("/locked", "l", { acl: annOnly });
    const root = await s.client();
    await root.addAuth("digest", `super:${SUPER_PASSWORD}`);
    expect(text((await root.getData("/locked")).data)).toBe("l");
    await root.setACL("/locked", OPEN_ACL_UNSAFE);
    expect(text((await stranger.getData("/locked")).data)).toBe("l");
  });

  it("an unknown scheme fails authentication and the client reports authFailed", async () => {
    const c = await s.client({ reconnectAfterExpiry: false });
    const states = new Inbox<string>();
    c.on("state", states.push);
    await expect(c.addAuth("kerberos-ish", "x")).rejects.toBeInstanceOf(AuthFailedError);
    expect(await states.next("authFailed")).toBe("authFailed");
  });

  it("credentials are replayed on a new connection of the same session", async () => {
    await owner.create("/replayed", "r", { acl: annOnly });
    const c = await s.client();
    await c.addAuth("digest", "ann:ann-pw");
    expect(await c.whoAmI()).toContainEqual({ scheme: "digest", id: "ann" });
  });
});

describe("null strings in ACLs and credentials over the ZooKeeper port (as ZooKeeper 3.8 answers them)", () => {
  /** A create of `path` whose one ACL entry has a null id (jute string length -1). */
  const createWithNullId = (xid: number, path: string, scheme: string) =>
    new jute.JuteWriter()
      .int(xid)
      .int(OpCode.create)
      .string(path)
      .buffer(new Uint8Array(0))
      .int(1)
      .int(Perms.ALL)
      .string(scheme)
      .string(null)
      .int(0)
      .frame();

  it("an (auth, null) ACL entry means the creator's authenticated identities, and the connection stays", async () => {
    const zk = await openZk(s.server.ports.client);
    try {
      zk.sendBytes(1, OpCode.create, createWithNullId(1, "/auth-null-anon", "auth"));
      expect(await zk.reply(1)).toMatchObject({ err: ErrorCode.INVALID_ACL });
      zk.send(-4, { type: "auth", scheme: "digest", auth: new TextEncoder().encode("ann:ann-pw") });
      expect(await zk.reply(-4)).toMatchObject({ err: 0 });
      zk.sendBytes(2, OpCode.create, createWithNullId(2, "/auth-null", "auth"));
      expect(await zk.reply(2)).toMatchObject({ err: 0 });
      zk.send(3, { type: "getACL", path: "/auth-null" });
      expect((await zk.reply(3)).response).toMatchObject({ type: "getACL", acl: annOnly });
      expect(zk.isClosed()).toBe(false);
    } finally {
      zk.socket.destroy();
    }
  });

  it("a null id of world is MARSHALLING_ERROR and a null path an error reply, not a dropped connection", async () => {
    const zk = await openZk(s.server.ports.client);
    try {
      zk.sendBytes(1, OpCode.create, createWithNullId(1, "/world-null", "world"));
      expect(await zk.reply(1)).toMatchObject({ err: ErrorCode.MARSHALLING_ERROR });
      zk.sendBytes(2, OpCode.getData, new jute.JuteWriter().int(2).int(OpCode.getData).string(null).bool(false).frame());
      expect(await zk.reply(2)).toMatchObject({ err: ErrorCode.MARSHALLING_ERROR });
      zk.send(3, { type: "exists", path: "/", watch: false });
      expect(await zk.reply(3)).toMatchObject({ err: 0 });
    } finally {
      zk.socket.destroy();
    }
  });

  it("addauth ip with any bytes answers OK and whoAmI shows the connection's address once", async () => {
    const zk = await openZk(s.server.ports.client);
    try {
      zk.send(-4, { type: "auth", scheme: "ip", auth: new TextEncoder().encode("anything") });
      expect(await zk.reply(-4)).toMatchObject({ err: 0 });
      zk.send(1, { type: "whoAmI" });
      expect((await zk.reply(1)).response).toEqual({ type: "whoAmI", clientInfo: [{ scheme: "ip", id: "127.0.0.1" }] });
    } finally {
      zk.socket.destroy();
    }
  });
});
