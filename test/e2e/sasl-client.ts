// A SASL DIGEST-MD5 client on a raw ZooKeeper-protocol connection, for tests: written from
// RFC 2831's formulas, not from the server's code.
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { ErrorCode, type Response } from "@warden/protocol";
import { openZk, type RawZk } from "./raw.js";

const md5 = (s: string | Buffer) => createHash("md5").update(s).digest();
/** The client's digest-response to a challenge (RFC 2831 2.1.2.1, qop auth), and the rspauth it expects back. */
export function digestResponse(challenge: Uint8Array, user: string, password: string): { token: Uint8Array; rspauth: string } {
  const fields = Object.fromEntries(
    [
      ...Buffer.from(challenge)
        .toString()
        .matchAll(/([a-z-]+)=(?:"([^"]*)"|([^,]*))/g),
    ].map((m) => [m[1], m[2] ?? m[3]]),
  );
  const { realm, nonce } = fields as { realm: string; nonce: string };
  const cnonce = "c2FzbCB0ZXN0";
  const uri = "zookeeper/zk-sasl-md5";
  const ha1 = md5(Buffer.concat([md5(`${user}:${realm}:${password}`), Buffer.from(`:${nonce}:${cnonce}`)])).toString("hex");
  const kd = (a2: string) => md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(a2).toString("hex")}`).toString("hex");
  const text = `charset=utf-8,username="${user}",realm="${realm}",nonce="${nonce}",nc=00000001,cnonce="${cnonce}",digest-uri="${uri}",maxbuf=65536,response=${kd(`AUTHENTICATE:${uri}`)},qop=auth`;
  return { token: Buffer.from(text), rspauth: `rspauth=${kd(`:${uri}`)}` };
}

let xids = 1;
/** A fresh xid for a raw request. */
export const nextXid = () => xids++;
export async function call(zk: RawZk, request: Parameters<RawZk["send"]>[1]) {
  const xid = nextXid();
  zk.send(xid, request);
  return zk.reply(xid);
}
export const tokenOf = (r: { response?: Response }) => (r.response as { token: Uint8Array }).token;

/** A new session that authenticates as `user`: the SASL rounds' replies. */
export async function saslSession(port: number, user: string, password: string) {
  const zk = await openZk(port);
  const first = await call(zk, { type: "sasl", token: new Uint8Array(0) });
  expect(first.err).toBe(ErrorCode.OK);
  const { token, rspauth } = digestResponse(tokenOf(first), user, password);
  const second = await call(zk, { type: "sasl", token });
  return { zk, first, second, rspauth };
}
