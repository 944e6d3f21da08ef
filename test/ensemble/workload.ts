// Continuous client writes against a real ensemble and the checks that follow a fault:
// every acknowledged write is on every server (read through a client connected to that
// server alone, after sync), nothing appears that was never attempted, sessions were kept
// (same id) or seen to expire, and each session's ephemeral follows its session.
import { createClient, type Client, type SessionEvent } from "@warden/client";
import { CreateMode } from "@warden/protocol";
import { afterEach } from "vitest";
import { ProcessEnsemble } from "@warden/testing";

/** Every client in these tests asks for this; the servers allow it (sessionTimeoutMsMax). */
export const SESSION_TIMEOUT_MS = 4000;
/** tickTime 100 ms and syncLimit 5: a hung leader is given up after 500 ms. */
export const TEST_ENSEMBLE = {
  tickTimeMs: 100,
  syncLimit: 5,
  initLimit: 20,
  sessionTimeoutMsMin: 400,
  sessionTimeoutMsMax: 10_000,
} as const;

const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the checks need to know of a writer, in this process or in another (see ns-writer.mjs). */
export interface WriteLog {
  readonly name: string;
  readonly dir: string;
  readonly ephemeral: string;
  readonly acked: Map<string, string>;
  readonly uncertain: Set<string>;
  /** Its first session expired (so its ephemeral must be gone). */
  readonly expired: boolean;
  readonly firstSessionId: bigint;
}

export class Writer implements WriteLog {
  readonly client: Client;
  /** Acknowledged creates: path -> data. */
  readonly acked = new Map<string, string>();
  /** Attempts whose outcome the client cannot know (the connection dropped, a timeout, ...). */
  readonly uncertain = new Set<string>();
  readonly events: Array<{ event: SessionEvent; atMs: number }> = [];
  readonly ackTimesMs: number[] = [];
  /** The session id the writer started with, and the owner expected of its ephemeral. */
  firstSessionId = 0n;
  private next = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly name: string,
    addresses: string[],
  ) {
    this.client = createClient(addresses.join(","), {
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      reconnectDelayMsMin: 20,
      reconnectDelayMsMax: 300,
      random: inOrder(addresses.length),
    });
    this.client.on("state", (event) => this.events.push({ event, atMs: Date.now() }));
  }

  get dir(): string {
    return `/load/${this.name}`;
  }
  get ephemeral(): string {
    return `/eph/${this.name}`;
  }
  get expired(): boolean {
    return this.events.some((e) => e.event === "expired");
  }

  async begin(): Promise<void> {
    await this.client.connected({ timeoutMs: 10_000 });
    this.firstSessionId = this.client.sessionId;
    await this.client.create(this.dir);
    await this.client.create(this.ephemeral, this.name, { mode: CreateMode.EPHEMERAL });
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const n = this.next++;
      const path = `${this.dir}/k${String(n).padStart(7, "0")}`;
      const data = `${this.name}:${n}`;
      try {
        await this.client.create(path, data, { timeoutMs: 10_000 });
        this.acked.set(path, data);
        this.ackTimesMs.push(Date.now());
      } catch {
        this.uncertain.add(path);
        await sleep(20);
      }
    }
  }

  /** Resolves once the writer has `count` more acknowledged writes than now. */
  async moreAcks(count: number, timeoutMs: number): Promise<number> {
    const want = this.acked.size + count;
    const deadline = Date.now() + timeoutMs;
    while (this.acked.size < want) {
      if (Date.now() > deadline)
        throw new Error(
          `writer ${this.name}: no ${count} more acknowledged writes within ${timeoutMs} ms (state ${this.client.state}, events ${this.events.map((e) => e.event).join(",")})`,
        );
      await sleep(10);
    }
    return this.ackTimesMs[want - 1]!;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    await this.client.close().catch(() => undefined);
  }
}

/**
 * A random source that leaves the client's server list in the given order (its Fisher-Yates
 * shuffle draws count-1 numbers first), then is random for backoff jitter.
 */
function inOrder(count: number): () => number {
  let keep = count - 1;
  return () => (keep-- > 0 ? 0.999_999 : Math.random());
}

/** The addresses rotated to start at index `first`, so that sessions spread over the servers. */
export function rotated(addresses: string[], first: number): string[] {
  const k = first % addresses.length;
  return [...addresses.slice(k), ...addresses.slice(0, k)];
}

/** `count` writers; writer i connects first to server (i mod n) + 1 of `addresses` (default all servers). */
export async function startWriters(
  ensemble: ProcessEnsemble,
  count: number,
  addresses = ensemble.servers.map((s) => ensemble.nativeAddress(s.id)),
): Promise<Writer[]> {
  const setup = createClient(addresses.join(","), { sessionTimeoutMs: SESSION_TIMEOUT_MS });
  try {
    await setup.connected({ timeoutMs: 10_000 });
    for (const p of ["/load", "/eph"])
      await setup.create(p).catch((e: Error) => (e.name === "NodeExistsError" ? undefined : Promise.reject(e)));
  } finally {
    await setup.close();
  }
  const writers = Array.from({ length: count }, (_, i) => new Writer(`w${i}`, rotated(addresses, i)));
  await Promise.all(writers.map((w) => w.begin()));
  return writers;
}

/** Waits until every writer has `count` more acknowledged writes (the ensemble takes writes). */
export async function allWritersProgress(writers: Writer[], count: number, timeoutMs: number): Promise<void> {
  await Promise.all(writers.map((w) => w.moreAcks(count, timeoutMs)));
}

/** A client connected to one server only (its reads are that server's). */
export async function clientOn(address: string): Promise<Client> {
  const c = createClient(address, { sessionTimeoutMs: SESSION_TIMEOUT_MS, reconnectDelayMsMin: 20, reconnectDelayMsMax: 300 });
  await c.connected({ timeoutMs: 10_000 });
  return c;
}

/**
 * Reads each given server through a client connected to it alone, after sync, and returns
 * every problem found: an acknowledged write missing or different, a key nobody attempted,
 * an ephemeral that does not follow its session.
 */
export async function problemsOnServer(address: string, writers: WriteLog[]): Promise<string[]> {
  const problems: string[] = [];
  const c = await clientOn(address);
  try {
    await c.sync("/");
    for (const w of writers) {
      const children = new Set((await c.getChildren(w.dir)).map((k) => `${w.dir}/${k}`));
      for (const [path] of w.acked) if (!children.has(path)) problems.push(`${address}: acknowledged ${path} is missing`);
      for (const path of children)
        if (!w.acked.has(path) && !w.uncertain.has(path)) problems.push(`${address}: ${path} exists but was never attempted`);
      const paths = [...w.acked.keys()].filter((p) => children.has(p));
      for (let i = 0; i < paths.length; i += 200) {
        const results = await Promise.all(paths.slice(i, i + 200).map((p) => c.getData(p)));
        results.forEach((r, j) => {
          const path = paths[i + j]!;
          if (decoder.decode(r.data) !== w.acked.get(path))
            problems.push(`${address}: ${path} holds ${decoder.decode(r.data)}, acknowledged ${w.acked.get(path)}`);
        });
      }
      const stat = await c.exists(w.ephemeral);
      if (w.expired) {
        if (stat && stat.ephemeralOwner === w.firstSessionId)
          problems.push(`${address}: ${w.ephemeral} outlived its expired session 0x${w.firstSessionId.toString(16)}`);
      } else if (!stat) {
        problems.push(`${address}: ${w.ephemeral} of live session 0x${w.firstSessionId.toString(16)} is missing`);
      } else if (stat.ephemeralOwner !== w.firstSessionId) {
        problems.push(
          `${address}: ${w.ephemeral} is owned by 0x${stat.ephemeralOwner.toString(16)}, not 0x${w.firstSessionId.toString(16)}`,
        );
      }
    }
  } finally {
    await c.close().catch(() => undefined);
  }
  return problems;
}

/** Every acknowledged write on every server, ephemerals right; throws listing the problems. */
export async function expectEveryServerHasEveryAck(
  ensemble: ProcessEnsemble,
  writers: WriteLog[],
  ids = ensemble.servers.map((s) => s.id),
): Promise<void> {
  const problems = (await Promise.all(ids.map((id) => problemsOnServer(ensemble.nativeAddress(id), writers)))).flat();
  if (problems.length > 0) throw new Error(`${problems.length} problems:\n${problems.slice(0, 30).join("\n")}`);
}

/** A writer kept its session: never expired and still on the id it started with. */
export function sessionProblems(writers: Writer[]): string[] {
  return writers.flatMap((w) => {
    if (w.expired)
      return [`writer ${w.name}: session 0x${w.firstSessionId.toString(16)} expired (events ${w.events.map((e) => e.event).join(",")})`];
    if (w.client.sessionId !== w.firstSessionId)
      return [`writer ${w.name}: session changed from 0x${w.firstSessionId.toString(16)} to 0x${w.client.sessionId.toString(16)}`];
    return [];
  });
}

export function ackCount(writers: Writer[]): number {
  return writers.reduce((n, w) => n + w.acked.size, 0);
}

/** The session ids connected to one server, from its admin port's `cons`. */
export async function sessionsOn(ensemble: ProcessEnsemble, id: number): Promise<Set<bigint>> {
  const s = ensemble.server(id);
  const res = await fetch(`http://${s.host}:${s.ports.admin}/commands/cons`, { signal: AbortSignal.timeout(2000) });
  // Session ids are JSON numbers past 2^53 (as ZooKeeper's): read them from the text, not through a double.
  const text = await res.text();
  return new Set([...text.matchAll(/"session_id": (\d+)/g)].map((m) => BigInt(m[1]!)).filter((x) => x !== 0n));
}

/** The writers whose session is connected to server id now. */
export async function writersOn(ensemble: ProcessEnsemble, id: number, writers: Writer[]): Promise<Writer[]> {
  const ids = await sessionsOn(ensemble, id);
  return writers.filter((w) => ids.has(w.client.sessionId));
}

/** Stops every writer and closes every client, ignoring errors (for afterEach). */
export async function closeAll(writers: Writer[]): Promise<void> {
  await Promise.all(writers.map((w) => w.close()));
}

/**
 * The whole tree as one server holds it, after sync: every path with its data, version, mzxid
 * and ephemeral owner, one line each, sorted. Servers that agree give equal strings.
 */
export async function treeListing(address: string): Promise<string[]> {
  const c = await clientOn(address);
  try {
    await c.sync("/");
    const lines: string[] = [];
    const visit = async (path: string): Promise<void> => {
      const { data, stat } = await c.getData(path);
      lines.push(`${path} v${stat.version} m0x${stat.mzxid.toString(16)} e0x${stat.ephemeralOwner.toString(16)} ${decoder.decode(data)}`);
      const children = await c.getChildren(path);
      for (let i = 0; i < children.length; i += 200) {
        await Promise.all(children.slice(i, i + 200).map((k) => visit(path === "/" ? `/${k}` : `${path}/${k}`)));
      }
    };
    await visit("/");
    return lines.sort();
  } finally {
    await c.close().catch(() => undefined);
  }
}

/**
 * An ensemble under writers for each test of a describe block: call the returned function in a
 * test; the fixture closes the writers and stops the ensemble after that test (it registers its
 * own afterEach), a failed start included.
 */
export function ensembleUnderWrites(): (writerCount: number) => Promise<{ ensemble: ProcessEnsemble; writers: Writer[] }> {
  let running: { ensemble: ProcessEnsemble; writers: Writer[] } | undefined;
  afterEach(async () => {
    const r = running;
    running = undefined;
    if (!r) return;
    await closeAll(r.writers);
    await r.ensemble.stop();
  });
  return async (writerCount) => {
    const ensemble = await ProcessEnsemble.start(TEST_ENSEMBLE);
    running = { ensemble, writers: [] };
    running.writers.push(...(await startWriters(ensemble, writerCount)));
    return running;
  };
}
