// A log record: the client's xid (cxid, 4 bytes big-endian), the id of the server that
// forwarded the request (its origin), and the encoded txn. Neither is part of the tree's state:
// together with the session they let the server that holds the request match the committed txn
// to it. The origin matters when a session moves: its old connection's xid 1 may commit while
// its new connection, on another server, waits for its own xid 1.
//
// The origin is written as a CBOR uint32 (0x1a and 4 bytes) between the cxid and the txn, whose
// encoding is a CBOR array (0x80-0x9f): records written before the origin existed have none.
import { BytesPool, DecodeError } from "@warden/protocol";
import { decodeTxn, encodeTxn, type Txn } from "@warden/tree";

export const NO_CXID = 0;
/**
 * Records are made in zxid order and leave the in-memory log window in the same order, so a
 * pool of their own holds only records: a pool is freed when the window passes its last one.
 */
const records = new BytesPool();
const ORIGIN_MARK = 0x1a;

export function encodeRecord(cxid: number, txn: Txn, origin?: number): Uint8Array {
  const body = encodeTxn(txn);
  const head = origin === undefined ? 4 : 9;
  const out = records.take(head + body.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt32(0, cxid);
  if (origin !== undefined) {
    out[4] = ORIGIN_MARK;
    view.setUint32(5, origin);
  }
  out.set(body, head);
  return out;
}

/** The record; origin is null in records written without one. */
export function decodeRecord(bytes: Uint8Array): { cxid: number; txn: Txn; origin: number | null } {
  if (bytes.length < 5) throw new DecodeError("WARDEN_ERR_RECORD_SHORT", `log record of ${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cxid = view.getInt32(0);
  if (bytes[4] !== ORIGIN_MARK) return { cxid, txn: decodeTxn(bytes.subarray(4)), origin: null };
  if (bytes.length < 10)
    throw new DecodeError("WARDEN_ERR_RECORD_SHORT", `log record of ${bytes.length} bytes is too short for its origin`);
  return { cxid, txn: decodeTxn(bytes.subarray(9)), origin: view.getUint32(5) };
}
