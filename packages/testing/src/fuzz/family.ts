// A target is a list of families; a family draws its parameters with fast-check and runs
// them against the server. Case i of a campaign is a pure function of (seed, i): which
// family, and its parameters, so any case replays alone.
import fc from "fast-check";
import { seededRandom } from "@warden/protocol";
import type { ConnectionPool } from "./wire.js";

/** Nodes the campaign creates before fuzzing, so cases can read and write known paths. */
export interface Fixture {
  /** Small data at a known path. */
  readonly small: string;
  readonly smallData: Uint8Array;
  /** A node holding dataBytesMax bytes (ZooKeeper's field cases: a node near 1 MiB). */
  readonly big: string;
  readonly bigBytes: number;
  /** Parent of a bounded set of writable nodes (writable(0..WRITABLE_NODES-1)). */
  readonly writableParent: string;
  /** Parent for sequential creates (cleaned between batches). */
  readonly sequentialParent: string;
  /** A node with `childrenCount` children. */
  readonly parentWithChildren: string;
  readonly childrenCount: number;
  /** Written by the native probe. */
  readonly probe: string;
}

export const WRITABLE_NODES = 32;

export interface TargetPorts {
  client: number;
  native: number;
  admin: number;
  /** The server's own server.N peer port (the peer target only). */
  peer?: number;
}

/** What the peer target knows to pass the handshake. */
export interface PeerSetup {
  readonly secret: Uint8Array;
  readonly serverId: number;
  /** Peer ids in the server's configuration that the fuzzer impersonates. */
  readonly impersonatedIds: readonly number[];
  /** Their peer ports, which the server dials. */
  readonly impersonatedPorts: readonly number[];
  /** For `ms`, answer the server's own dials to them with `answer` (peer-listener.ts); resolves to the dials seen. */
  answerDialsFor(answer: { reply: string; nonce: Uint8Array; garbage: Uint8Array }, ms: number): Promise<number>;
}

export interface CaseContext {
  readonly ports: TargetPorts;
  readonly pool: ConnectionPool;
  readonly fixture: Fixture;
  readonly limits: { readonly dataBytesMax: number; readonly frameBytesMax: number };
  /** The source address of a case's n-th connection (127.0.0.x; the probe uses its own). */
  source(n: number): string;
  /** Waits `ms` while adversarial connections are held: checks the server stays alive and bounded, and probes it once. */
  hold(ms: number): Promise<void>;
  /** Counts what the server did with a case (for the summary). */
  observe(what: string): void;
  readonly peer?: PeerSetup;
}

/** What a case's bytes may depend on besides its parameters (the bound test gives stand-ins). */
export type InputEnv = Pick<CaseContext, "ports" | "fixture" | "limits"> & {
  readonly peerIds?: { readonly serverId: number; readonly impersonatedIds: readonly number[] };
};

export interface Family<P> {
  readonly name: string;
  /** Relative frequency within its target. */
  readonly weight: number;
  /** One line: what it sends. */
  readonly about: string;
  readonly params: fc.Arbitrary<P>;
  /**
   * The messages the case sends (frames, writes or payloads before framing), built from its
   * parameters alone, as `run` builds them: the bound test (bounds.ts) measures them over many
   * seeds, so a family whose bytes are built from drawn sizes or mutations should say them here.
   */
  input?(params: P, env: InputEnv): Iterable<Uint8Array | string>;
  run(params: P, ctx: CaseContext): Promise<void>;
}

/** A family with its parameter type erased, for lists. */
export type AnyFamily = Family<unknown>;
export const family = <P>(f: Family<P>): AnyFamily => f as unknown as AnyFamily;

export interface FuzzCase {
  readonly index: number;
  readonly family: AnyFamily;
  readonly params: unknown;
}

/** The case at `index` of the campaign with `seed`, drawn from `families` (pure). */
export function caseAt(families: readonly AnyFamily[], seed: number, index: number): FuzzCase {
  const random = seededRandom((Math.imul(seed, 0x9e3779b1) + Math.imul(index, 0x85ebca6b)) >>> 0);
  const total = families.reduce((n, f) => n + f.weight, 0);
  let pick = random() * total;
  let chosen = families[families.length - 1]!;
  for (const f of families) {
    pick -= f.weight;
    if (pick < 0) {
      chosen = f;
      break;
    }
  }
  const [params] = fc.sample(chosen.params, { seed: Math.floor(random() * 0x7fffffff), numRuns: 1 });
  return { index, family: chosen, params };
}

const SHOWN_STRING_CHARS = 60;
const SHOWN_ARRAY_ITEMS = 8;
/** Bytes of a byte field shown in a case's description. */
const SHOWN_BYTES = 24;

/** Parameters as one line of JSON with long strings, arrays and byte arrays abbreviated. */
export function describeParams(params: unknown): string {
  return JSON.stringify(params, function (this: Record<string, unknown>, key: string, value: unknown) {
    // Buffers have toJSON: look at the holder's own value, not the one toJSON made.
    const v = this[key] ?? value;
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) {
      const hex = Buffer.from(v.subarray(0, SHOWN_BYTES)).toString("hex");
      return `bytes(${v.length})${hex ? `:${hex}${v.length > SHOWN_BYTES ? "…" : ""}` : ""}`;
    }
    if (typeof v === "string" && v.length > SHOWN_STRING_CHARS)
      return `${JSON.stringify(v.slice(0, SHOWN_STRING_CHARS))}…(${v.length} chars)`;
    if (Array.isArray(v) && v.length > SHOWN_ARRAY_ITEMS) return [...v.slice(0, SHOWN_ARRAY_ITEMS), `…(${v.length} items)`];
    return value;
  });
}
