import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decode, encode } from "cbor-x";
import { validateMessage, type Entry, type Message } from "@warden/consensus";
import { bytesAcrossBoundaries, countAcrossBoundaries, listOf, propertyRuns, withBytesAsText } from "../../testing/src/sizes.js";
import { ConsensusFrames } from "../src/peer/consensus-frames.js";
import { peerLimits } from "../src/peer/limits.js";

const limits = peerLimits(1024 * 1024);
const zxid = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const id = fc.integer({ min: 0, max: 0xffffffff });
/** Entries past appendEntriesMax too, so that every length of CBOR's array head is drawn. */
const ENTRIES_MAX = 70_000;

const entry = (bytesMax: number): fc.Arbitrary<Entry> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ zxid, payload: bytesAcrossBoundaries(bytesMax) }) },
    { weight: 1, arbitrary: fc.record({ zxid, payload: fc.constant(null) }) },
    {
      weight: 1,
      arbitrary: zxid.chain((z) =>
        fc.record({
          zxid: fc.constant(z),
          payload: fc.constant(null),
          membership: fc.record({
            version: fc.constant(z),
            voters: fc.array(id, { maxLength: 5 }),
            observers: fc.array(id, { maxLength: 2 }),
          }),
        }),
      ),
    },
  );

const append: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constant("append" as const),
    from: id,
    to: id,
    epoch: id,
    prevZxid: zxid,
    entries: listOf(countAcrossBoundaries(ENTRIES_MAX), (n) => entry(Math.floor(limits.frameBytesMax / 2 / Math.max(n, 1)))),
    commitZxid: zxid,
    quiet: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ quiet, ...m }) => (quiet === undefined ? m : { ...m, quiet }) as Message); // absent, as consensus leaves it, or a boolean

const joined = (parts: readonly Uint8Array[]) => Buffer.concat(parts);

describe("consensus frames", () => {
  it("an append in parts decodes to the message encode({ c }) carries, in as many bytes", () => {
    fc.assert(
      fc.property(append, (m) => {
        const whole = encode({ c: m }) as Uint8Array;
        const parts = joined(new ConsensusFrames().frame(m));
        expect(parts.length).toBe(whole.length);
        expect(withBytesAsText(decode(parts))).toEqual(withBytesAsText(decode(whole)));
      }),
      propertyRuns(60),
    );
  });

  it("every follower's frame of one turn carries the same entries' bytes, encoded once; a later turn encodes afresh", async () => {
    const frames = new ConsensusFrames();
    const entries: Entry[] = [1n, 2n, 3n, 4n, 5n].map((z) => ({ zxid: 0x100000000n + z, payload: new Uint8Array(100).fill(Number(z)) }));
    const to = (follower: number, sent: Entry[]): Message => ({
      type: "append",
      from: 1,
      to: follower,
      epoch: 1,
      prevZxid: 0x100000000n,
      entries: sent,
      commitZxid: 0x100000000n,
    });
    const a = frames.frame(to(2, entries));
    const b = frames.frame(to(3, entries.slice()));
    expect(frames.entriesShared).toBe(1);
    expect(b[1]).toBe(a[1]);
    // A follower behind the others is sent another run of entries: encoded for it.
    const behind = frames.frame(to(4, [{ zxid: 0x100000000n, payload: null }, ...entries]));
    expect(behind[1]).not.toBe(a[1]);
    const messageLimits = { ids: [1, 2, 3], entriesMax: limits.appendEntriesMax, entryBytesMax: limits.entryBytesMax, chunkBytesMax: 1024 };
    expect(validateMessage(decode(joined(b)).c, messageLimits)).toMatchObject({ to: 3, entries: entries.map(({ zxid }) => ({ zxid })) });
    await new Promise((resolve) => process.nextTick(resolve));
    const c = frames.frame(to(2, entries));
    expect(frames.entriesShared).toBe(1);
    expect(c[1]).not.toBe(a[1]);
    expect(joined(c)).toEqual(joined(a));
  });

  it("any other message is encode({ c }) as it is", () => {
    const messages: Message[] = [
      { type: "append", from: 1, to: 2, epoch: 3, prevZxid: 5n, entries: [], commitZxid: 4n },
      {
        type: "append-response",
        from: 2,
        to: 1,
        epoch: 3,
        success: true,
        matchZxid: 5n,
        acceptedZxid: 5n,
        rejectedPrevZxid: 0n,
        hintZxid: 0n,
      },
      { type: "vote-request", from: 2, to: 1, epoch: 4, lastZxid: 9n },
    ];
    for (const m of messages) expect(joined(new ConsensusFrames().frame(m))).toEqual(Buffer.from(encode({ c: m }) as Uint8Array));
  });
});
