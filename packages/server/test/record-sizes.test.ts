// The log record codec over sizes (a project rule): a record (cxid, its origin, then the txn's CBOR)
// round-trips for every txn body and op type, with paths, data, ACL lists and multi op lists
// drawn across growth boundaries up to their bounds. Seeded by fast-check: a failure prints
// its seed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "@warden/protocol";
import { DATA_BYTES_MAX, decodeTxn, encodeTxn, type Txn } from "@warden/tree";
import { decodeRecord, encodeRecord } from "../src/core/record.js";
import { int32 } from "../../protocol/test/arbitraries.js";
import { txn } from "../../tree/test/txn-arbitrary.js";
import { propertyRuns, withBytesAsText } from "../../testing/src/sizes.js";

describe("log records over sizes", () => {
  /** A server id, or none (a record written before records had their origin). */
  const origin = fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined });

  it("every txn, with its cxid and origin, decodes from its record as it was encoded", () => {
    fc.assert(
      fc.property(int32, origin, txn(), (cxid, from, t) => {
        expect(withBytesAsText(decodeRecord(encodeRecord(cxid, t, from)))).toEqual(withBytesAsText({ cxid, txn: t, origin: from ?? null }));
      }),
      propertyRuns(60),
    );
  });

  it("a record cut short in its origin is refused as short", () => {
    const t: Txn = { zxid: 1n, timeMs: 0, sessionId: 1n, body: { type: "delete", path: "/a", version: -1 } } as Txn;
    const record = encodeRecord(1, t, 7);
    for (const n of [5, 6, 9]) expect(() => decodeRecord(record.subarray(0, n))).toThrow(DecodeError);
  });

  it("encoded txns and records stay intact while later ones are encoded (cbor-x hands out views of one buffer it keeps writing)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(int32, origin, txn()), { minLength: 2, maxLength: 12 }), (triples) => {
        const encoded = triples.map(([cxid, from, t]) => [encodeTxn(t), encodeRecord(cxid, t, from)] as const);
        encoded.forEach(([body, record], i) => {
          const [cxid, from, t] = triples[i]!;
          expect(withBytesAsText(decodeTxn(body))).toEqual(withBytesAsText(t));
          expect(withBytesAsText(decodeRecord(record))).toEqual(withBytesAsText({ cxid, txn: t, origin: from ?? null }));
        });
      }),
      propertyRuns(20),
    );
  });

  it("a txn with data of exactly DATA_BYTES_MAX decodes; one byte more is refused as a bad txn", () => {
    const withData = (bytes: number): Txn => ({
      zxid: 1n,
      timeMs: 0,
      sessionId: 1n,
      body: { type: "setData", path: "/a", data: new Uint8Array(bytes).fill(1), version: 1 },
    });
    expect(decodeRecord(encodeRecord(3, withData(DATA_BYTES_MAX))).txn.body).toMatchObject({ type: "setData", version: 1 });
    expect(() => decodeRecord(encodeRecord(3, withData(DATA_BYTES_MAX + 1)))).toThrow(DecodeError);
  });
});
