// Session ids and passwords. An id is ZooKeeper's shape: the server id in the top byte and a
// time-seeded counter below, so servers never collide. The password is derived from the id
// with the ensemble secret (HMAC), so every server of the ensemble can check it after a
// client moves, and nobody without the secret can forge one.
import { createHmac } from "node:crypto";
import { SESSION_PASSWORD_BYTES } from "@warden/protocol";

export class SessionIdSource {
  private next: bigint;

  constructor(serverId: number, nowMs: number) {
    if (!(serverId >= 0 && serverId < 128)) throw new RangeError(`server id ${serverId} must be in [0, 128)`);
    // ZooKeeper's initializeNextSessionId: (time << 24) >>> 8 | (id << 56).
    const time = (BigInt(nowMs) << 24n) & 0xffffffffffffffffn;
    this.next = (time >> 8n) | (BigInt(serverId) << 56n);
  }

  take(): bigint {
    const id = this.next;
    this.next++;
    return id;
  }
}

export function sessionPassword(secret: Uint8Array, sessionId: bigint): Uint8Array {
  const h = createHmac("sha256", secret);
  const idBytes = new Uint8Array(8);
  new DataView(idBytes.buffer).setBigUint64(0, BigInt.asUintN(64, sessionId));
  h.update(idBytes);
  return new Uint8Array(h.digest().subarray(0, SESSION_PASSWORD_BYTES));
}

export function samePassword(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
