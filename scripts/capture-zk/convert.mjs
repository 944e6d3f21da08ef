// Cuts the proxy's frames.jsonl into one vector file per label:
//   { "label", "source", "frames": [{ "conn", "dir", "kind", "hex" }] }
// kind: "connectRequest" / "connectResponse" for a connection's first frame each way,
// "frame" for the rest, "raw" for four-letter-word traffic (not length-prefixed).
//   node convert.mjs frames.jsonl outDir
import fs from "node:fs";
import path from "node:path";

const [inPath, outDir] = process.argv.slice(2);
const lines = fs
  .readFileSync(inPath, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const seen = new Set();
const byLabel = new Map();
for (const { label, conn, dir, hex } of lines) {
  if (label === "end" || label === "unlabelled") continue;
  let kind = "frame";
  let d = dir;
  if (dir.endsWith("-raw")) {
    kind = "raw";
    d = dir.slice(0, -4);
  } else if (!seen.has(`${conn}/${dir}`)) kind = dir === "c2s" ? "connectRequest" : "connectResponse";
  seen.add(`${conn}/${dir}`);
  if (!byLabel.has(label)) byLabel.set(label, []);
  byLabel.get(label).push({ conn, dir: d, kind, hex });
}
fs.mkdirSync(outDir, { recursive: true });
for (const [label, frames] of byLabel) {
  const doc = { label, source: "Apache ZooKeeper 3.8.0 (Debian bookworm) server and Java client, scripts/capture-zk", frames };
  fs.writeFileSync(path.join(outDir, `${label}.json`), `${JSON.stringify(doc, null, 1)}\n`);
}
console.log(`wrote ${byLabel.size} vector files to ${outDir}`);
