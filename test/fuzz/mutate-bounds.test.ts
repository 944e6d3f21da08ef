// The bounds the fuzzer's generators hold by construction, where sampling rarely reaches the
// worst case: a value mutation into a shared object stays one mutation (not one per
// reference), byte mutations grow a sequence by GROWTH_BYTES_MAX at most, and request lists,
// multis and watch lists are cut to their byte budgets.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Request } from "@warden/protocol";
import {
  GROWTH_BYTES_MAX,
  applyByteMutations,
  applyMutatedSequence,
  applyValueMutations,
  type ByteMutation,
} from "../../packages/testing/src/fuzz/mutate.js";
import { encodedSize } from "../../packages/testing/src/fuzz/size.js";
import { LIST_BYTES_MAX, requests } from "../../packages/testing/src/fuzz/targets/requests.js";
import { DATA_BYTES_MAX } from "../../packages/testing/src/fuzz/options.js";

const MIB = 1024 * 1024;
const world = { scheme: "world", id: "anyone" };

describe("value mutations", () => {
  it("replace a field of an object shared by 4,000 ACL entries in one place only, and leave the inputs unchanged", () => {
    const frame = {
      kind: "request",
      xid: 5,
      request: { type: "create", path: "/a", acl: Array.from({ length: 4_000 }, () => ({ perms: 31, id: world })) },
    };
    const big = new Array<number>(10_000).fill(0);
    const before = encodedSize(frame);
    // Every slot index: whichever field the mutation lands on, the result grows by the array once.
    for (const at of [0, 5, 9, 100, 2_001, 7_999, 12_345]) {
      const out = applyValueMutations(frame, [
        { op: "replace", at, value: big },
        { op: "add", at: at * 7, key: "k", value: big },
      ]);
      expect(encodedSize(out)).toBeLessThanOrEqual(before + 2 * encodedSize(big));
    }
    expect(world).toEqual({ scheme: "world", id: "anyone" });
    expect(big.length).toBe(10_000);
    expect(Object.keys(big)).toHaveLength(10_000);
  });

  it("skip an added field that cannot be defined (an array's length)", () => {
    expect(() => applyValueMutations({ a: [1, 2] }, [{ op: "add", at: 1, key: "length", value: "x" }])).not.toThrow();
  });
});

describe("byte mutations", () => {
  const repeatAll: ByteMutation = { op: "repeat", from: 0, to: 65535, times: 64 };
  it(`grow one frame by GROWTH_BYTES_MAX (${GROWTH_BYTES_MAX / MIB} MiB) at most, however many repeats`, () => {
    const frame = new Uint8Array(DATA_BYTES_MAX + 1);
    expect(applyByteMutations(frame, [repeatAll, repeatAll, repeatAll]).length).toBeLessThanOrEqual(frame.length + GROWTH_BYTES_MAX);
  });
  it("grow a sequence of frames by GROWTH_BYTES_MAX in all", () => {
    const frames = Array.from({ length: 24 }, () => new Uint8Array(64 * 1024));
    const out = applyMutatedSequence(frames, {
      frameMutations: frames.map(() => [repeatAll, repeatAll, repeatAll]),
      sequence: [],
      cuts: [],
    });
    expect(out.reduce((n, f) => n + f.length, 0)).toBeLessThanOrEqual(24 * 64 * 1024 + GROWTH_BYTES_MAX);
  });
});

describe("request lists", () => {
  const data = new Uint8Array(DATA_BYTES_MAX + 1);
  const bigCreate: Request = { type: "create", path: "/fuzz/w/1", data, acl: [{ perms: 31, id: world }], mode: 0 };
  it(`keep a sequence of 1 MiB requests within LIST_BYTES_MAX.requests (${LIST_BYTES_MAX.requests / MIB} MiB) plus one`, () => {
    for (const list of fc.sample(requests(24, fc.constant(bigCreate)), { seed: 7, numRuns: 50 })) {
      expect(list.length).toBeGreaterThanOrEqual(1);
      expect(encodedSize(list)).toBeLessThanOrEqual(LIST_BYTES_MAX.requests + encodedSize(bigCreate));
    }
  });
  it("still draw requests just over jute.maxbuffer and multis over it", () => {
    const drawn = fc.sample(requests(24), { seed: 11, numRuns: 2_000 }).flat();
    const sizes = drawn.map((r) => encodedSize(r));
    expect(Math.max(...sizes)).toBeGreaterThan(DATA_BYTES_MAX);
    expect(drawn.some((r) => r.type === "multi" && encodedSize(r) > DATA_BYTES_MAX)).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(LIST_BYTES_MAX.ops + 3 * MIB);
  });
});
