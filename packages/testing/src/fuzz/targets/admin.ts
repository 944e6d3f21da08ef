// The admin target: HTTP on adminPort. Random request lines, paths that confuse URL parsers
// and object lookups, huge headers, methods other than GET, pipelining, slowloris-style
// partial requests and many connections held while the server is probed.
import fc from "fast-check";
import { family, type AnyFamily, type CaseContext } from "../family.js";
import { RawTcp } from "../wire.js";
import { COMMAND_NAMES } from "@warden/server";

/** How long an admin case waits for the server to answer or close. */
const ANSWER_MS = 1_000;
const holdMs = fc.integer({ min: 1_500, max: 3_000 });
/** Every name and alias the admin port answers (ZooKeeper's Commands), the resets among them. */
const COMMANDS = COMMAND_NAMES;

/** Paths that have broken URL parsers and name lookups on plain objects. */
const WEIRD_PATHS = [
  "//",
  "/\\",
  "//:99999/x",
  "//a:b@c/",
  "///commands//srvr",
  "/commands/constructor",
  "/commands/toString",
  "/commands/__proto__",
  "/commands/hasOwnProperty",
  "/commands/valueOf",
  "/commands/__defineGetter__",
  "/commands/isPrototypeOf",
  "/commands/..",
  "/commands/%2e%2e",
  "/commands/srvr/extra",
  "/commands/",
  "/commands//",
  "/%",
  "/%zz",
  "/%00",
  "/health%00",
  "*",
  "",
  "?",
  "#",
  "http://[::1",
  "http://a:99999/",
  "http://127.0.0.1/health",
  "/health?x=%",
  "/metrics#x",
  "/\u00ff",
  "/\ud800",
  "/commands/SRVR",
  "/health/",
  "/..%2f..%2f",
  "/commands/srvr?a=1&a=2",
] as const;

const path = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WEIRD_PATHS) },
  { weight: 2, arbitrary: fc.constantFrom(...COMMANDS).map((c) => `/commands/${c}`) },
  { weight: 1, arbitrary: fc.constantFrom("/health", "/metrics", "/commands") },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map((s) => `/${s}`) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 100_000 }).map((n) => `/commands/${"a".repeat(n)}`) },
);
const method = fc.oneof(
  { weight: 4, arbitrary: fc.constant("GET") },
  { weight: 3, arbitrary: fc.constantFrom("HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH", "PROPFIND", "get", "") },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 12 }) },
);
const version = fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "", "HTTP/0.9");
const header = fc.tuple(
  fc.oneof(fc.constantFrom("Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect", "Upgrade"), fc.string({ maxLength: 16 })),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
);

const requestText = (m: string, p: string, v: string, headers: ReadonlyArray<readonly [string, string]>, body = "") =>
  `${m} ${p} ${v}\r\n${headers.map(([k, val]) => `${k}: ${val}\r\n`).join("")}\r\n${body}`;

/** Waits for the server to answer (a status line) and close, or not; counts the status. */
async function observeAnswer(ctx: CaseContext, t: RawTcp): Promise<void> {
  t.end();
  await t.closedWithin(ANSWER_MS);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(t.received().subarray(0, 16).toString("latin1"))?.[1];
  ctx.observe(status ? `status ${status}` : t.closed ? "closed without an answer" : "no answer");
}

function randomRequestText(p: {
  method: string;
  path: string;
  version: string;
  headers: Array<[string, string]>;
  host: boolean;
  body: string;
}): string {
  return requestText(p.method, p.path, p.version, p.host ? [["Host", "127.0.0.1"] as const, ...p.headers] : p.headers, p.body);
}

const randomRequests = family({
  name: "random-request",
  weight: 12,
  about: "a request line of any method, path and version, with random headers and a body",
  params: fc.record({
    method,
    path,
    version,
    headers: fc.array(header, { maxLength: 6 }),
    host: fc.boolean(),
    body: fc.string({ maxLength: 200 }),
  }),
  input: (p) => [randomRequestText(p)],
  async run(p, ctx) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(0) });
    t.write(randomRequestText(p));
    await observeAnswer(ctx, t);
  },
});

const weirdPaths = family({
  name: "weird-paths",
  weight: 16,
  about: "GET of paths like //, /\\, //:99999/x, /commands/constructor, /commands/__proto__, percent junk",
  params: fc.record({ path: fc.constantFrom(...WEIRD_PATHS), method: fc.constantFrom("GET", "GET", "HEAD", "POST") }),
  async run(p, ctx) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(0) });
    t.write(requestText(p.method, p.path, "HTTP/1.1", [["Host", "a"]]));
    await observeAnswer(ctx, t);
  },
});

function hugeHeadersText(p: { bytes: number; many: boolean; path: string }): string {
  const headers = p.many
    ? Array.from({ length: Math.floor(p.bytes / 12) }, (_, i) => [`X-${i}`, "1"] as const)
    : [["X-Big", "b".repeat(p.bytes)] as const];
  return requestText("GET", p.path, "HTTP/1.1", [["Host", "a"], ...headers]);
}

const hugeHeaders = family({
  name: "huge-headers",
  weight: 4,
  about: "one header of 8 KB to 1 MB, or thousands of headers",
  params: fc.record({
    bytes: fc.constantFrom(8_000, 16_384, 100_000, 1_000_000),
    many: fc.boolean(),
    path: fc.constantFrom("/health", "/commands/srvr", "/metrics"),
  }),
  input: (p) => [hugeHeadersText(p)],
  async run(p, ctx) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(0) });
    t.write(hugeHeadersText(p));
    await observeAnswer(ctx, t);
  },
});

const bodies = family({
  name: "bodies",
  weight: 4,
  about: "POST/PUT with lying Content-Length, bad chunked encoding, Expect: 100-continue, huge bodies",
  params: fc.record({
    method: fc.constantFrom("POST", "PUT", "GET", "DELETE"),
    shape: fc.constantFrom(
      "length-short",
      "length-long",
      "length-negative",
      "length-huge",
      "chunked-bad",
      "chunked-huge",
      "both",
      "expect",
    ),
    body: fc.uint8Array({ maxLength: 2_000 }),
  }),
  input: (p) => [p.body],
  async run(p, ctx) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(0) });
    const n = p.body.length;
    const headers: Record<string, [string, string][]> = {
      "length-short": [["Content-Length", String(Math.max(0, n - 10))]],
      "length-long": [["Content-Length", String(n + 1_000)]],
      "length-negative": [["Content-Length", "-1"]],
      "length-huge": [["Content-Length", "99999999999999999999"]],
      "chunked-bad": [["Transfer-Encoding", "chunked"]],
      "chunked-huge": [["Transfer-Encoding", "chunked"]],
      both: [
        ["Content-Length", String(n)],
        ["Transfer-Encoding", "chunked"],
      ],
      expect: [
        ["Expect", "100-continue"],
        ["Content-Length", String(n)],
      ],
    };
    t.write(requestText(p.method, "/commands/srvr", "HTTP/1.1", [["Host", "a"], ...headers[p.shape]!]));
    if (p.shape === "chunked-huge") t.write("ffffffffffffffff\r\n");
    else if (p.shape === "chunked-bad") t.write("zz\r\n");
    t.write(p.body);
    await observeAnswer(ctx, t);
  },
});

const pipelined = family({
  name: "pipelined",
  weight: 3,
  about: "1 to 1,000 pipelined GETs of the costly commands (dump, wchc, cons, metrics), read or never read",
  params: fc.record({
    count: fc.integer({ min: 1, max: 1_000 }),
    command: fc.constantFrom("/commands/dump", "/commands/wchc", "/commands/cons", "/metrics", "/commands/mntr"),
    read: fc.boolean(),
  }),
  input: (p) => [requestText("GET", p.command, "HTTP/1.1", [["Host", "a"]]).repeat(p.count)],
  async run(p, ctx) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(0) });
    if (!p.read) t.stopReading();
    t.write(requestText("GET", p.command, "HTTP/1.1", [["Host", "a"]]).repeat(p.count));
    await t.closedWithin(ANSWER_MS);
    ctx.observe(t.bytesReceived > 0 ? "answered" : t.closed ? "closed without an answer" : "no answer");
  },
});

const slowloris = family({
  name: "slowloris",
  weight: 1,
  about: "10 to 300 connections sending a request a few bytes at a time, held while the server is probed",
  params: fc.record({
    connections: fc.integer({ min: 10, max: 300 }),
    bytesPerTick: fc.integer({ min: 1, max: 8 }),
    tickMs: fc.integer({ min: 50, max: 500 }),
    holdMs,
  }),
  async run(p, ctx) {
    const text = requestText("GET", "/commands/dump", "HTTP/1.1", [
      ["Host", "a"],
      ...Array.from({ length: 200 }, (_, i) => [`X-Slow-${i}`, "z"] as const),
    ]);
    const conns: RawTcp[] = [];
    for (let i = 0; i < p.connections; i++) conns.push(await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(i) }));
    let sent = 0;
    const timer = setInterval(() => {
      const next = text.slice(sent, sent + p.bytesPerTick);
      sent += p.bytesPerTick;
      for (const c of conns) c.write(next);
    }, p.tickMs);
    try {
      await ctx.hold(p.holdMs);
    } finally {
      clearInterval(timer);
    }
    const closed = conns.filter((c) => c.closed).length;
    ctx.observe(
      closed === 0 ? "none closed by the server" : closed === conns.length ? "all closed by the server" : "some closed by the server",
    );
  },
});

const manyConnections = family({
  name: "many-connections",
  weight: 1,
  about: "100 to 1,000 connections held idle, or each with a complete request it never reads the answer of",
  params: fc.record({ connections: fc.integer({ min: 100, max: 1_000 }), request: fc.boolean(), holdMs }),
  async run(p, ctx) {
    const text = requestText("GET", "/commands/dump", "HTTP/1.1", [["Host", "a"]]);
    for (let i = 0; i < p.connections; i++) {
      const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(i) });
      if (p.request) {
        t.stopReading();
        t.write(text);
      }
    }
    await ctx.hold(p.holdMs);
  },
});

const randomBytes = family({
  name: "random-bytes",
  weight: 3,
  about: "random bytes instead of HTTP",
  params: fc.array(fc.uint8Array({ minLength: 1, maxLength: 512 }), { minLength: 1, maxLength: 3 }),
  input: (chunks) => chunks,
  async run(chunks, ctx) {
    const t = await RawTcp.open(ctx.pool, ctx.ports.admin, { localAddress: ctx.source(0) });
    await t.writeParts(chunks);
    await observeAnswer(ctx, t);
  },
});

export const adminFamilies: readonly AnyFamily[] = [
  randomRequests,
  weirdPaths,
  hugeHeaders,
  bodies,
  pipelined,
  slowloris,
  manyConnections,
  randomBytes,
];
