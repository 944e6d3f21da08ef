import { describe, expect, it } from "vitest";
import { DecodeError, EPOCH_MAX, ZXID_MAX } from "@warden/protocol";
import type { Message } from "../src/index.js";
import { HOST_DATA_BYTES_MAX, PEER_MESSAGE_INVALID, validateMessage } from "../src/index.js";

const limits = { ids: [1, 2, 3], entriesMax: 4, entryBytesMax: 16, chunkBytesMax: 32 };
const head = { from: 2, to: 1, epoch: 3 };
const valid: Message[] = [
  { type: "vote-request", ...head, lastZxid: 7n },
  { type: "vote-response", ...head, granted: true },
  { type: "prevote-request", ...head, lastZxid: 0n },
  { type: "prevote-response", ...head, granted: false },
  {
    type: "append",
    ...head,
    prevZxid: 1n,
    entries: [
      { zxid: 2n, payload: null },
      { zxid: 3n, payload: new Uint8Array(16) },
    ],
    commitZxid: 1n,
  },
  { type: "append-response", ...head, success: true, matchZxid: 2n, acceptedZxid: 3n, rejectedPrevZxid: 0n, hintZxid: 0n },
  {
    type: "snapshot-chunk",
    ...head,
    snapshotZxid: 9n,
    totalBytes: 40,
    checksum: 0xffffffff,
    offset: 8,
    data: new Uint8Array(32),
    membership: { version: 5n, voters: [1, 2, 3], observers: [] },
  },
  { type: "snapshot-ack", ...head, snapshotZxid: 9n, receivedBytes: 40 },
  { type: "sync-request", ...head, requestId: 5 },
  { type: "sync-response", ...head, requestId: 5, zxid: ZXID_MAX },
  { type: "vote-request", ...head, lastZxid: 7n, transfer: true },
  { type: "timeout-now", ...head },
  {
    type: "append",
    ...head,
    prevZxid: 1n,
    entries: [{ zxid: 2n, payload: null, membership: { version: 2n, voters: [1, 2, 3, 4, 5], observers: [6] } }],
    commitZxid: 1n,
  },
  { type: "prevote-request", ...head, lastZxid: 0n, round: 0xffffffff },
  { type: "prevote-response", ...head, granted: true, round: 0 },
  { type: "append", ...head, prevZxid: 1n, entries: [], commitZxid: 1n, quiet: true },
];

function refusal(value: unknown): string {
  try {
    validateMessage(value, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).reason).toBe(PEER_MESSAGE_INVALID);
    return (e as Error).message;
  }
  throw new Error("accepted");
}

describe("consensus messages from peers are checked against their schema", () => {
  it("every valid message passes as a fresh object with only its type's fields", () => {
    for (const m of valid) {
      const checked = validateMessage({ ...m, extra: "dropped" }, limits);
      expect(checked).toEqual(m);
      expect(checked).not.toBe(m);
    }
  });

  it("types: zxids are bigints, ids and epochs integers, flags booleans, payloads bytes", () => {
    expect(refusal({ ...valid[0], lastZxid: 7 })).toMatch(/lastZxid is not a zxid/);
    expect(refusal({ ...valid[1], granted: 1 })).toMatch(/granted is not a boolean/);
    expect(refusal({ ...valid[2], round: 1n << 32n })).toMatch(/round/);
    expect(refusal({ ...valid[3], round: -1 })).toMatch(/round/);
    expect(refusal({ ...valid[4], quiet: 1 })).toMatch(/quiet is not a boolean/);
    expect(refusal({ ...valid[0], epoch: "3" })).toMatch(/epoch/);
    expect(refusal({ ...valid[4], entries: [{ zxid: 2n, payload: "x" }] })).toMatch(/payload is not bytes/);
    expect(refusal(null)).toMatch(/not a map/);
    expect(refusal([1])).toMatch(/not a map/);
    expect(refusal({ ...head, type: "snapshot" })).toMatch(/unknown type/);
  });

  it("ranges: zxids in [0, 2^53), epochs in [0, 2^21), known server ids", () => {
    expect(refusal({ ...valid[0], lastZxid: -1n })).toMatch(/not a zxid/);
    expect(refusal({ ...valid[0], lastZxid: 1n << 64n })).toMatch(/not a zxid/);
    expect(refusal({ ...valid[0], lastZxid: ZXID_MAX + 1n })).toMatch(/not a zxid/);
    expect(refusal({ ...valid[4], entries: [{ zxid: ZXID_MAX + 1n, payload: null }] })).toMatch(/not a zxid/);
    expect(validateMessage({ ...valid[0], epoch: EPOCH_MAX }, limits)).toBeTruthy();
    // an epoch past EPOCH_MAX would make zxids the tree cannot hold (found by the peer fuzz
    // campaign: a sync-request at epoch 2^31 made a replica lead epoch 2^31 + 1, then FATAL)
    expect(refusal({ ...valid[8], epoch: 2 ** 31 })).toMatch(/epoch/);
    expect(refusal({ ...valid[0], epoch: EPOCH_MAX + 1 })).toMatch(/epoch/);
    expect(refusal({ ...valid[0], epoch: 2 ** 32 })).toMatch(/epoch/);
    expect(refusal({ ...valid[0], from: 9 })).toMatch(/unknown server id/);
    expect(refusal({ ...valid[0], to: 0 })).toMatch(/unknown server id/);
  });

  it("bounds: entries per append, bytes per entry and per chunk, a chunk inside its snapshot", () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ zxid: BigInt(i + 2), payload: null }));
    expect(validateMessage({ ...valid[4], entries: entries(4) }, limits)).toBeTruthy();
    expect(refusal({ ...valid[4], entries: entries(5) })).toMatch(/at most 4/);
    expect(refusal({ ...valid[4], entries: [{ zxid: 2n, payload: new Uint8Array(17) }] })).toMatch(/at most 16/);
    expect(refusal({ ...valid[6], data: new Uint8Array(33), totalBytes: 100 })).toMatch(/at most 32/);
    expect(refusal({ ...valid[6], offset: 9 })).toMatch(/outside/);
    expect(refusal({ ...valid[6], data: new Uint8Array(0) })).toMatch(/outside/);
    expect(refusal({ ...valid[6], checksum: 2 ** 32 })).toMatch(/checksum/);
  });

  it("configurations: ids in [1, 2^32), no repeats, a voter, at most 255 members, version = the entry's zxid", () => {
    const config = (membership: unknown) => ({ ...valid[12], entries: [{ zxid: 2n, payload: null, membership }] });
    expect(refusal(config({ version: 2n, voters: [], observers: [] }))).toMatch(/not a configuration/);
    expect(refusal(config({ version: 2n, voters: [1, 1], observers: [] }))).toMatch(/not a configuration/);
    expect(refusal(config({ version: 2n, voters: [1], observers: [1] }))).toMatch(/not a configuration/);
    expect(refusal(config({ version: 2n, voters: [0], observers: [] }))).toMatch(/an id not in/);
    expect(refusal(config({ version: 2n, voters: Array.from({ length: 256 }, (_, i) => i + 1), observers: [] }))).toMatch(/at most 255/);
    expect(refusal(config({ version: 3n, voters: [1], observers: [] }))).toMatch(/version is not its zxid/);
    expect(refusal(config("1,2,3"))).toMatch(/membership is not a map/);
    expect(refusal(config({ version: 2n, voters: [1], observers: [], hostData: "server.1=a:1:2" }))).toMatch(/hostData is not bytes/);
    expect(refusal(config({ version: 2n, voters: [1], observers: [], hostData: new Uint8Array(HOST_DATA_BYTES_MAX + 1) }))).toMatch(
      /hostData is not bytes of at most 32768/,
    );
    const hostData = new Uint8Array(HOST_DATA_BYTES_MAX).fill(7);
    expect(validateMessage(config({ version: 2n, voters: [1], observers: [], hostData }), limits)).toMatchObject({
      entries: [{ membership: { hostData } }],
    });
    expect(
      refusal({
        ...valid[12],
        entries: [{ zxid: 2n, payload: new Uint8Array(1), membership: { version: 2n, voters: [1], observers: [] } }],
      }),
    ).toMatch(/both a payload and a configuration/);
    expect(refusal({ ...valid[6], membership: undefined })).toMatch(/membership is not a map/);
    expect(refusal({ ...valid[10], transfer: "yes" })).toMatch(/transfer is not a boolean/);
  });

  it("order: an append's entries increase after its prevZxid (the core asserts it)", () => {
    expect(refusal({ ...valid[4], entries: [{ zxid: 1n, payload: null }] })).toMatch(/increasing zxid order/);
    expect(
      refusal({
        ...valid[4],
        entries: [
          { zxid: 3n, payload: null },
          { zxid: 2n, payload: null },
        ],
      }),
    ).toMatch(/increasing zxid order/);
    expect(refusal({ ...valid[5], matchZxid: 4n })).toMatch(/matchZxid above acceptedZxid/);
  });
});
