// Renames internal identifiers so that the unit or the bound word comes last
// (`inflightProposalsMax`, not `maxInflightProposals`; STYLE.md habit 3).
//
//   node scripts/rename-units-last.mjs           apply the renames, then `biome check --write` the changed files
//   node scripts/rename-units-last.mjs --check   list what is left to rename; exit 1 if anything is
//   node scripts/rename-units-last.mjs --no-format   apply without running Biome
//
// Idempotent: once applied, the old names are gone and a re-run changes nothing, so it can be
// run again after merging branches that still use an old name.
//
// What it leaves alone, on purpose: names that mirror ZooKeeper (zoo.cfg keys such as
// maxClientCnxns, maxCnxns, minSessionTimeout, jute.maxbuffer; four-letter-word and admin
// JSON fields; metric names) and names of other APIs we pass options to (Node's TLS
// minVersion/maxVersion, http maxHeadersCount, net maxConnections, ws maxPayload, fast-check
// maxLength/minLength, Math.max). ServerConfig fields spelled exactly like their zoo.cfg key
// (maxClientCnxns, maxCnxns, maxWatchesPerSession) are renamed only where the typed field is
// meant (see configField); settings objects that hold zoo.cfg keys keep them.
// The key table, the generated configuration doc and test fixtures are never touched.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Old name → new name, applied in this order at word boundaries (`$` and `_` count as word
 * characters). `files` limits a rename to paths ending with one of its entries, `skip` leaves
 * those out; `pattern` replaces the default whole-word match (for a name that is also a
 * function to keep, or a field that is also a zoo.cfg key).
 */
export const RENAMES = [
  // consensus' Config (and everything that passes it on: server, simulation)
  { from: "maxInflightProposals", to: "inflightProposalsMax" },
  { from: "maxInflightMessages", to: "inflightMessagesMax" },
  { from: "maxBatchEntries", to: "appendEntriesMax" },
  { from: "maxAppendBytes", to: "appendBytesMax" },
  { from: "maxEntryBytes", to: "entryBytesMax" },
  { from: "maxPendingSyncs", to: "pendingSyncsMax" },
  // Ready.snapshotWanted's bound; the functions minZxid()/maxZxid() compute, they bound nothing.
  { from: "minZxid", to: "zxidMin", pattern: /(?<=\.)minZxid(?![\w$])|(?<![\w$])minZxid(?=\??: )/g },
  // ServerConfig fields whose zoo.cfg keys (minSessionTimeout, maxSessionTimeout) stay
  { from: "minSessionTimeoutMs", to: "sessionTimeoutMsMin" },
  { from: "maxSessionTimeoutMs", to: "sessionTimeoutMsMax" },
  // ServerConfig fields spelled like their zoo.cfg keys: only the typed field is renamed, where
  // it is read (`config.maxCnxns`) or declared with a number (`maxCnxns: number`, `: int(raw`,
  // `: 60`); zoo.cfg settings (`{ maxCnxns: "0" }`, `"maxCnxns"`, `maxCnxns=0`) and prose keep the key.
  ...["maxClientCnxns:connectionsPerAddressMax", "maxCnxns:connectionsMax", "maxWatchesPerSession:watchesPerSessionMax"].map((pair) => {
    const [from, to] = pair.split(":");
    return { from, to, pattern: configField(from), skip: ["packages/testing/src/fuzz/options.ts"] };
  }),
  // per-connection statistics (the four-letter-word and admin JSON names stay: minlat, min_latency)
  { from: "minLatencyMs", to: "latencyMsMinSeen", files: ["packages/server/src/admin/connection-stats.ts"] },
  { from: "minLatency", to: "latencyMsMin" },
  { from: "avgLatency", to: "latencyMsAvg" },
  { from: "minLatencyMs", to: "latencyMsMin" },
  { from: "avgLatencyMs", to: "latencyMsAvg" },
  { from: "maxLatencyMs", to: "latencyMsMax" },
  // server-wide latency figures (srvr's Latency min/avg/max)
  { from: "minMs", to: "latencyMsMin", files: ["packages/server/src/admin/request-metrics.ts"] },
  { from: "maxMs", to: "latencyMsMax", files: ["packages/server/src/admin/request-metrics.ts"] },
  { from: "minMs", to: "timeoutMsMin", files: ["packages/server/src/session/tracker.ts"] },
  { from: "maxMs", to: "timeoutMsMax", files: ["packages/server/src/session/tracker.ts"] },
  // @warden/testing's size and count arbitraries
  { from: "maxBytes", to: "bytesMax", files: ["packages/testing/src/sizes.ts"] },
  { from: "minBytes", to: "bytesMin", files: ["packages/testing/src/sizes.ts"] },
  { from: "maxItems", to: "itemsMax", files: ["packages/testing/src/sizes.ts"] },
  // the simulation's linearizability check
  { from: "maxPosition", to: "positionMax", files: ["packages/testing/src/sim/clients.ts"] },
  { from: "maxValue", to: "valueAtPositionMax", files: ["packages/testing/src/sim/clients.ts"] },
];

/** A ServerConfig field named like its key: read through a dot, or declared with a number. */
function configField(name) {
  return new RegExp(`(?<=\\.)${name}(?![\\w$])|(?<![\\w$."'])${name}(?=\\??: (?:number\\b|int\\(|config\\.|\\d))`, "g");
}

/** Never rewritten: ZooKeeper's key names live here, or the file is generated or recorded. */
const PROTECTED = [
  /^packages\/server\/src\/config\/keys\.ts$/,
  /^docs\/configuration\.md$/,
  /(^|\/)fixtures\//,
  /^scripts\/rename-units-last\.mjs$/,
  /^test\/docs\/names\.test\.ts$/,
];

const root = fileURLToPath(new URL("..", import.meta.url));

function trackedFiles() {
  const out = execFileSync("git", ["ls-files", "-z", "--", "*.ts", "*.tsx", "*.mjs", "*.js", "*.md"], {
    cwd: root,
    encoding: "utf8",
  });
  return out.split("\0").filter((f) => f !== "" && !PROTECTED.some((p) => p.test(f)));
}

function matcher(rename) {
  return rename.pattern ?? new RegExp(`(?<![\\w$])${rename.from}(?![\\w$])`, "g");
}

function applies(rename, file) {
  if (rename.skip?.some((f) => file.endsWith(f))) return false;
  return rename.files === undefined || rename.files.some((f) => file.endsWith(f));
}

/** The text with every rename that applies to `file` done, and the names it found. */
export function renameText(text, file) {
  const found = [];
  let out = text;
  for (const r of RENAMES) {
    if (!applies(r, file)) continue;
    const re = matcher(r);
    re.lastIndex = 0;
    const next = out.replace(re, r.to);
    if (next !== out) found.push(r.from);
    out = next;
  }
  return { text: out, found };
}

/** Tracked files that still use an old name, with the names; empty once the renames are applied. */
export function leftToRename() {
  const left = [];
  for (const file of trackedFiles()) {
    const text = readTracked(file);
    if (text === undefined) continue;
    const { found } = renameText(text, file);
    if (found.length > 0) left.push({ file, found: [...new Set(found)] });
  }
  return left;
}

function readTracked(file) {
  try {
    return readFileSync(`${root}${file}`, "utf8");
  } catch {
    return undefined; // deleted in the work tree but still in the index
  }
}

function main(argv) {
  if (argv.includes("--check")) {
    const left = leftToRename();
    for (const { file, found } of left) console.log(`${file}: ${found.join(", ")}`);
    if (left.length > 0) process.exitCode = 1;
    else console.log("nothing left to rename");
    return;
  }
  const changed = [];
  for (const file of trackedFiles()) {
    const text = readTracked(file);
    if (text === undefined) continue;
    const { text: next, found } = renameText(text, file);
    if (found.length === 0) continue;
    writeFileSync(`${root}${file}`, next);
    changed.push(file);
    console.log(`renamed in ${file}`);
  }
  const code = changed.filter((f) => /\.(ts|tsx|mjs|js)$/.test(f));
  if (!argv.includes("--no-format") && code.length > 0) {
    execFileSync("npx", ["biome", "check", "--write", ...code], { cwd: root, stdio: "inherit" });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
