// The cases seen in the field that are requests on one session, defined once for both
// client protocols: each names its requests; jute-field.ts and native-field.ts send them on
// their own wire (pipelined, xids 1..n) and wait for the last reply, or hold the connection
// while the server is probed.
import fc from "fast-check";
import type { ReadOp, Request } from "@warden/protocol";
import { family, type AnyFamily, type CaseContext, type InputEnv } from "../family.js";
import { sequentialCreates } from "./requests.js";

export interface RequestCase<P> {
  readonly name: string;
  readonly weight: number;
  readonly about: string;
  readonly params: fc.Arbitrary<P>;
  requests(p: P, env: InputEnv): Request[];
  /** Stop reading before sending (a client that never reads its replies). */
  unread?(p: P): boolean;
  /** Hold the connection this long, probing the server, instead of waiting for the last reply. */
  holdMs?(p: P): number;
  /** A command that lists what the case built (a four-letter word, or the admin port's /commands/<word>). */
  listing?(p: P): string;
}

const holdMs = fc.integer({ min: 1_500, max: 3_000 });
const anyone = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const getDataOf = (path: string, watch = false): Request => ({ type: "getData", path, watch });

const getDataBig: RequestCase<{ count: number; multiReadOps: number; watch: boolean }> = {
  name: "getdata-big",
  weight: 1.5,
  about: "getData of the node holding jute.maxbuffer bytes, and a multiRead naming it up to 3 times (replies at and over jute.maxbuffer)",
  params: fc.record({ count: fc.integer({ min: 1, max: 4 }), multiReadOps: fc.integer({ min: 0, max: 3 }), watch: fc.boolean() }),
  requests: (p, ctx) => [
    ...Array.from({ length: p.count }, () => getDataOf(ctx.fixture.big, p.watch)),
    ...(p.multiReadOps > 0
      ? [
          {
            type: "multiRead",
            ops: Array.from({ length: p.multiReadOps }, (): ReadOp => ({ type: "getData", path: ctx.fixture.big, watch: p.watch })),
          } as Request,
        ]
      : []),
  ],
};

const multiReadRepeated: RequestCase<{ count: number; read: boolean; holdMs: number }> = {
  name: "multiread-big-repeated",
  weight: 1.5,
  about: "one multiRead naming the 1 MiB node 100 to 1,000 times (a reply of hundreds of MiB), read or not",
  params: fc.record({ count: fc.integer({ min: 100, max: 1_000 }), read: fc.boolean(), holdMs }),
  requests: (p, ctx) => [
    { type: "multiRead", ops: Array.from({ length: p.count }, (): ReadOp => ({ type: "getData", path: ctx.fixture.big, watch: false })) },
  ],
  unread: (p) => !p.read,
  holdMs: (p) => p.holdMs,
};

const multiSequentialCreates: RequestCase<{ count: number; ephemeral: boolean; dataBytes: number }> = {
  name: "multi-sequential-creates",
  weight: 1.5,
  about: "a multi of 5,000 to 10,000 sequential creates",
  params: fc.record({
    count: fc.integer({ min: 5_000, max: 10_000 }),
    ephemeral: fc.boolean(),
    dataBytes: fc.integer({ min: 0, max: 100 }),
  }),
  requests: (p) => [{ type: "multi", ops: sequentialCreates(p.count, p.dataBytes, p.ephemeral) }],
};

const pipelinedUnread: RequestCase<{ count: number; holdMs: number }> = {
  name: "pipelined-big-unread",
  weight: 1.5,
  about: "200 to 400 pipelined getData of the 1 MiB node from a client that never reads",
  params: fc.record({ count: fc.integer({ min: 200, max: 400 }), holdMs }),
  requests: (p, ctx) => Array.from({ length: p.count }, () => getDataOf(ctx.fixture.big)),
  unread: () => true,
  holdMs: (p) => p.holdMs,
};

const overMaxBuffer: RequestCase<{ extraBytes: number; op: "create" | "setData" | "multi-create" | "multi-setData"; node: number }> = {
  name: "data-over-maxbuffer",
  weight: 1.5,
  about: "create, setData or a multi with data of jute.maxbuffer - 1 to jute.maxbuffer + 60 KiB",
  params: fc.record({
    extraBytes: fc.constantFrom(-1, 0, 1, 1_024, 60 * 1024),
    op: fc.constantFrom("create", "setData", "multi-create", "multi-setData"),
    node: fc.integer({ min: 0, max: 31 }),
  }),
  requests(p, ctx) {
    const path = `${ctx.fixture.writableParent}/${p.node}`;
    const data = new Uint8Array(ctx.limits.dataBytesMax + p.extraBytes).fill(0x62);
    const create: Request = { type: "create", path, data, acl: anyone, mode: 0 };
    const set: Request = { type: "setData", path, data, version: -1 };
    return [
      { create, setData: set, "multi-create": { type: "multi", ops: [create] }, "multi-setData": { type: "multi", ops: [set] } }[
        p.op
      ] as Request,
    ];
  },
};

const longPathWatches: RequestCase<{
  pathChars: number;
  count: number;
  op: "exists" | "getData" | "getChildren" | "addWatch";
  word: string;
}> = {
  name: "watch-long-path",
  weight: 1.5,
  about: "exists, getData, getChildren or addWatch watches on paths of 4 KB to 1 MB, then a command that lists watches",
  params: fc.record({
    pathChars: fc.constantFrom(4_097, 65_536, 500_000, 1_000_000),
    count: fc.integer({ min: 1, max: 20 }),
    op: fc.constantFrom("exists", "getData", "getChildren", "addWatch"),
    word: fc.constantFrom("wchp", "wchc", "wchs", "dump", "cons"),
  }),
  requests: (p, ctx) =>
    Array.from({ length: p.count }, (_, i) => {
      const path = `${ctx.fixture.writableParent}/${i}${"x".repeat(p.pathChars - 10)}`;
      return (p.op === "addWatch" ? { type: "addWatch", path, mode: 1 } : { type: p.op, path, watch: true, withStat: false }) as Request;
    }),
  listing: (p) => p.word,
};

const manyWatches: RequestCase<{ count: number; kind: "exists" | "addWatch" | "setWatches"; word: string }> = {
  name: "many-watches",
  weight: 1.5,
  about: "one session sets 1,000 to 50,000 watches (exists on absent nodes, persistent, setWatches lists), then a command lists them",
  params: fc.record({
    count: fc.integer({ min: 1_000, max: 50_000 }),
    kind: fc.constantFrom("exists", "addWatch", "setWatches"),
    word: fc.constantFrom("wchs", "wchp", "wchc", "dump", "mntr"),
  }),
  requests(p, ctx) {
    const paths = Array.from({ length: p.count }, (_, i) => `${ctx.fixture.writableParent}/absent-${i}`);
    if (p.kind === "setWatches") {
      return [
        {
          type: "setWatches",
          relativeZxid: 0n,
          dataWatches: paths,
          existWatches: paths,
          childWatches: paths,
          persistentWatches: paths,
          persistentRecursiveWatches: paths,
        },
      ];
    }
    return paths.map(
      (path): Request => (p.kind === "exists" ? { type: "exists", path, watch: true } : { type: "addWatch", path, mode: 1 }),
    );
  },
  listing: (p) => p.word,
};

/** Each case has its own parameter type: the list erases it (any, as AnyFamily does). */
// biome-ignore lint/suspicious/noExplicitAny: each case has its own parameter type; the list erases it
const requestFieldCases: ReadonlyArray<RequestCase<any>> = [
  getDataBig,
  multiReadRepeated,
  multiSequentialCreates,
  pipelinedUnread,
  overMaxBuffer,
  longPathWatches,
  manyWatches,
];

/** The request cases as families of one protocol, which `runOn` sends them on, xids 1..n, each request a frame as `encode` makes it. */
export function requestCaseFamilies(
  runOn: <P>(rc: RequestCase<P>, p: P, ctx: CaseContext) => Promise<void>,
  encode: (xid: number, request: Request) => Uint8Array,
): AnyFamily[] {
  return requestFieldCases.map((rc) =>
    family({
      name: rc.name,
      weight: rc.weight,
      about: rc.about,
      params: rc.params,
      input: (p, env) => rc.requests(p, env).map((r, i) => encode(i + 1, r)),
      run: (p, ctx) => runOn(rc, p, ctx),
    }),
  );
}
