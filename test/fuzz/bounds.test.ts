// The fuzzer's own memory: what every case family builds to send stays within INPUT_BOUNDS
// (packages/testing/src/fuzz/bounds.ts), over many seeds: the commit's (the one CI's campaign
// runs), fixed ones, and 0x7199c4d, whose case 69 (mutated-structure: a 91,775-item array put
// in an ACL id shared by 4,000 entries) once ran the fuzz client out of a 4 GiB heap. The
// sweep runs the built dist in a child process with a small heap, like the campaign's server,
// so a family that builds an unbounded value fails this test and names its case, rather than
// ending the test runner.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { commitSeed } from "./seed.js";

const CLI = fileURLToPath(new URL("../../packages/testing/dist/fuzz/bounds-cli.js", import.meta.url));
/** The seed that ran the fuzz client out of memory (native target, case 69), and fixed ones. */
const SEEDS = [0x7199c4d, commitSeed(), 1, 2, 3, 0x5eed, 0xc0ffee, 0x7fffffff];
/** Cases per seed and target: more than a 20 s campaign of the native target runs. */
const CASES = 200;
/** The sweep holds one case's input at a time: tens of MiB, never hundreds. */
const HEAP_MIB = 256;
/** jute.maxbuffer of the server under test (options.ts). */
const DATA_BYTES_MAX = 0xfffff;

interface SweepResult {
  cases: number;
  violations: string[];
  largest: Record<string, { cases: number; messageBytesMax: number; totalBytes: number }>;
}

function runSweep(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [`--max-old-space-size=${HEAP_MIB}`, CLI, "--seeds", SEEDS.join(","), "--cases", String(CASES)],
      { maxBuffer: 64 * 1024 * 1024 },
      (_, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe(`the fuzzer's inputs stay bounded (seeds ${SEEDS.map((s) => `0x${s.toString(16)}`).join(", ")}; ${CASES} cases each)`, () => {
  it(`every family's messages and every case's total stay within the stated bounds, in a ${HEAP_MIB} MiB heap`, async () => {
    const { code, stdout, stderr } = await runSweep();
    const lastCase = stderr
      .trim()
      .split("\n")
      .filter((l) => / seed \d+ case \d+ /.test(l))
      .at(-1);
    expect(
      code,
      `the sweep died (${stderr.includes("heap out of memory") ? "out of memory" : `exit ${code}`}) building: ${lastCase}\n${stderr.slice(-2_000)}`,
    ).toBe(0);
    const result = JSON.parse(stdout) as SweepResult;
    expect(result.violations).toEqual([]);
    // The sweep measured something: every target drew the families that say their input.
    expect(result.cases).toBe(SEEDS.length * CASES * 4);
    for (const family of ["native/mutated-structure", "peer/server-messages", "admin/huge-headers"]) {
      expect(result.largest[family]?.totalBytes ?? 0, family).toBeGreaterThan(0);
    }
    // The bounds keep the power to reach the server's limits: sequences still carry frames past
    // jute.maxbuffer and frameBytesMax (about 1 MiB), and the frame-over-max family its 2 MiB frames.
    for (const family of ["native/request-sequence", "jute/request-sequence", "native/frame-over-max"]) {
      expect(result.largest[family]?.messageBytesMax ?? 0, family).toBeGreaterThan(DATA_BYTES_MAX + 64 * 1024);
    }
  }, 180_000);
});
