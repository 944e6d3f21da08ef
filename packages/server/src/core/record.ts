// A log record: the client's xid (cxid, 4 bytes big-endian) and the encoded txn. The cxid is
// not part of the tree's state; it lets the server that holds the session match the
// committed txn to the request waiting for it, whichever server prepared it.
import { DecodeError } from "@warden/protocol";
import { decodeTxn, encodeTxn, type Txn } from "@warden/tree";

export const NO_CXID = 0;

export function encodeRecord(cxid: number, txn: Txn): Uint8Array {
  const body = encodeTxn(txn);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, cxid);
  out.set(body, 4);
  return out;
}

export function decodeRecord(bytes: Uint8Array): { cxid: number; txn: Txn } {
  if (bytes.length < 5) throw new DecodeError("WARDEN_ERR_RECORD_SHORT", `log record of ${bytes.length} bytes is too short`);
  const cxid = new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0);
  return { cxid, txn: decodeTxn(bytes.subarray(4)) };
}
