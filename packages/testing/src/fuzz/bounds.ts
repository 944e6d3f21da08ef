// The fuzzer's own memory bound: what a case builds to send stays under a stated size, whatever
// its seed. A family that draws sizes, repeats or mutates says its messages (Family.input); the
// sweep draws cases over many seeds and measures them, and the parameters of every family. The
// bounds leave room for every limit the server has (a frame just over jute.maxbuffer + 1 MiB,
// a multi of 10,000 creates, a setWatches of 5 x 50,000 paths), not for hundreds of MiB.
import { caseAt, type FuzzCase, type InputEnv } from "./family.js";
import { fixtureFor } from "./fixture.js";
import { DATA_BYTES_MAX, TARGETS, type TargetName } from "./options.js";
import { targetFamilies } from "./targets/index.js";
import { encodedSize } from "./size.js";
import { MIB } from "./units.js";

export const INPUT_BOUNDS = {
  /** One message (a frame, a write, a peer payload) a case builds. */
  messageBytesMax: 8 * MIB,
  /** Everything one case builds to send. */
  caseBytesMax: 32 * MIB,
  /** A case's parameters, counted as encoded (a value referenced twice counts twice). */
  paramBytesMax: 32 * MIB,
} as const;

/** The limits and fixture a campaign gives its cases (run.ts), with stand-in ports and peer ids. */
export function standInEnv(): InputEnv {
  return {
    ports: { client: 2181, native: 2182, admin: 8080, peer: 2888 },
    fixture: fixtureFor(DATA_BYTES_MAX),
    limits: { dataBytesMax: DATA_BYTES_MAX, frameBytesMax: DATA_BYTES_MAX + 64 * 1024 },
    peerIds: { serverId: 1, impersonatedIds: [2, 3] },
  };
}

export interface CaseSize {
  readonly target: TargetName;
  readonly seed: number;
  readonly index: number;
  readonly family: string;
  /** Undefined when the family does not say its input (what it sends is fixed or streamed from a shared buffer). */
  readonly messages?: number;
  readonly messageBytesMax?: number;
  readonly totalBytes?: number;
  /** The parameters' encoded size, counted up to just past INPUT_BOUNDS.paramBytesMax. */
  readonly paramBytes: number;
}

const byteLength = (m: Uint8Array | string): number => (typeof m === "string" ? Buffer.byteLength(m) : m.byteLength);

/** Measures what case `c` would build (without sending anything). */
export function measureCase(target: TargetName, seed: number, c: FuzzCase, env: InputEnv = standInEnv()): CaseSize {
  const base = { target, seed, index: c.index, family: c.family.name, paramBytes: encodedSize(c.params, INPUT_BOUNDS.paramBytesMax) };
  if (!c.family.input) return base;
  let messages = 0;
  let messageBytesMax = 0;
  let totalBytes = 0;
  for (const m of c.family.input(c.params, env)) {
    const n = byteLength(m);
    messages++;
    messageBytesMax = Math.max(messageBytesMax, n);
    totalBytes += n;
  }
  return { ...base, messages, messageBytesMax, totalBytes };
}

/** What is wrong with a case's size, or undefined. */
export function overBound(s: CaseSize): string | undefined {
  const problems = [
    s.paramBytes > INPUT_BOUNDS.paramBytesMax ? `parameters of over ${INPUT_BOUNDS.paramBytesMax} bytes` : "",
    (s.messageBytesMax ?? 0) > INPUT_BOUNDS.messageBytesMax
      ? `a message of ${s.messageBytesMax} bytes (bound ${INPUT_BOUNDS.messageBytesMax})`
      : "",
    (s.totalBytes ?? 0) > INPUT_BOUNDS.caseBytesMax ? `${s.totalBytes} bytes in all (bound ${INPUT_BOUNDS.caseBytesMax})` : "",
  ].filter(Boolean);
  return problems.length > 0 ? `${s.target} seed ${s.seed} case ${s.index} ${s.family}: ${problems.join(", ")}` : undefined;
}

export interface SweepResult {
  readonly cases: number;
  readonly violations: readonly string[];
  /** Per target and family: cases drawn and the largest message and case total seen. */
  readonly largest: Record<string, { cases: number; messageBytesMax: number; totalBytes: number; paramBytes: number }>;
}

/** Cases 0..cases-1 of every seed on every target, measured; `before` is told each case first (a crash names it). */
export function sweep(
  seeds: readonly number[],
  cases: number,
  targets: readonly TargetName[] = TARGETS,
  before: (line: string) => void = () => undefined,
): SweepResult {
  const env = standInEnv();
  const violations: string[] = [];
  const largest: Record<string, { cases: number; messageBytesMax: number; totalBytes: number; paramBytes: number }> = {};
  let count = 0;
  for (const target of targets) {
    const families = targetFamilies(target);
    for (const seed of seeds) {
      for (let index = 0; index < cases; index++) {
        const c = caseAt(families, seed, index);
        before(`${target} seed ${seed} case ${index} ${c.family.name}`);
        const s = measureCase(target, seed, c, env);
        count++;
        const problem = overBound(s);
        if (problem) violations.push(problem);
        const key = `${target}/${s.family}`;
        const l = (largest[key] ??= { cases: 0, messageBytesMax: 0, totalBytes: 0, paramBytes: 0 });
        l.cases++;
        l.messageBytesMax = Math.max(l.messageBytesMax, s.messageBytesMax ?? 0);
        l.totalBytes = Math.max(l.totalBytes, s.totalBytes ?? 0);
        l.paramBytes = Math.max(l.paramBytes, s.paramBytes);
      }
    }
  }
  return { cases: count, violations, largest };
}
