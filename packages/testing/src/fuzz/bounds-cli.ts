// `node dist/fuzz/bounds-cli.js --seeds 1,2,0x7199c4d --cases 300 [--targets native,jute]`:
// the bound sweep (bounds.ts) in a process of its own, so that a family building an
// unbounded value ends this process (run it with a small --max-old-space-size), not the test
// that runs it. Each case is named on stderr before it is built; the result is JSON on stdout.
import { parseArgs } from "node:util";
import { sweep } from "./bounds.js";
import { TARGETS, type TargetName } from "./options.js";

const { values } = parseArgs({ options: { seeds: { type: "string" }, cases: { type: "string" }, targets: { type: "string" } } });
const seeds = (values.seeds ?? "1").split(",").map((s) => Number(s.trim()));
const cases = Number(values.cases ?? "100");
const targets = (values.targets ? values.targets.split(",") : [...TARGETS]) as TargetName[];
for (const t of targets) if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target ${t}`);
if (seeds.some((s) => !Number.isSafeInteger(s)) || !Number.isSafeInteger(cases)) throw new Error("--seeds and --cases take whole numbers");
const result = sweep(seeds, cases, targets, (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`${JSON.stringify(result)}\n`);
