// The campaign's summary table and failure report, and the server's own count of the
// connections it closed, by reason, when /metrics shows one.
import type { CampaignResult, Failure } from "./campaign.js";
import { MIB, mib } from "./units.js";

export interface CampaignFigures {
  ms: number;
  startRssBytes: number;
  /** Undefined when the server had exited by the end. */
  endRssBytes: number | undefined;
  peakRssBytes: number;
  peakFds: number;
  endFds: number | undefined;
  /** Connections the server closed, by reason, from /metrics; undefined when it exposes none. */
  closes: Map<string, number> | undefined;
}

/** Any metric with a `reason` or `cause` label: warden_connections_closed_total{port="zookeeper",cause="badFrame"}, warden_peer_connections_closed{reason="..."}. */
const CLOSE_COUNTER = /^(\w+)\{([^}]*\b(?:reason|cause)="[^"]*"[^}]*)\}\s+([0-9.e+]+)$/;

export async function scrapeCloses(adminPort: number): Promise<Map<string, number> | undefined> {
  let text: string;
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(2_000) });
    text = await res.text();
  } catch {
    return undefined;
  }
  const closes = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = CLOSE_COUNTER.exec(line.trim());
    if (m && Number(m[3]) > 0) closes.set(`${m[1]}{${m[2]}}`, Number(m[3]));
  }
  return closes.size > 0 ? closes : undefined;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

const topObservations = (m: Map<string, number>, n = 4): string =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");

export function formatSummary(r: CampaignResult): string[] {
  const { stats, figures: f } = r;
  const seconds = f.ms / 1000;
  const rows = [["family", "cases", "conns", "closed by server", "ms/case", "what the server did"]];
  for (const [name, fs] of [...stats.byFamily.entries()].sort((a, b) => b[1].cases - a[1].cases)) {
    rows.push([
      name,
      String(fs.cases),
      String(fs.connections),
      String(fs.closedByServer),
      (fs.ms / Math.max(1, fs.cases)).toFixed(0),
      topObservations(fs.observations),
    ]);
  }
  rows.push([
    "total",
    String(stats.cases),
    String(stats.connections),
    String(stats.closedByServer),
    (f.ms / Math.max(1, stats.cases)).toFixed(0),
    "",
  ]);
  const closes = f.closes ? [...f.closes.entries()].map(([k, v]) => `${k} ${v}`).join(", ") : "none in /metrics";
  const examples = [...stats.byFamily.entries()].flatMap(([name, fs]) =>
    [...fs.examples.entries()].map(([what, cases]) => `${name} "${what}": ${cases.map((c) => `#${c}`).join(" ")}`),
  );
  return [
    `summary: target ${r.options.target}, seed ${r.options.seed}, ${r.ok ? "PASSED" : "FAILED"} after ${seconds.toFixed(1)} s`,
    ...table(rows).map((l) => `  ${l}`),
    `  cases/s ${(stats.cases / Math.max(seconds, 0.001)).toFixed(1)}; connections opened ${stats.connections}; probes ${stats.probes} (slowest ${stats.probeMsMax} ms); nodes tidied ${stats.tidiedNodes}`,
    `  RSS: start ${mib(f.startRssBytes)}, peak ${mib(f.peakRssBytes)} (bound ${mib(r.options.rssBytesMax)}), end ${f.endRssBytes === undefined ? "(exited)" : mib(f.endRssBytes)}; fds: peak ${f.peakFds} (bound ${r.options.fdsMax}), end ${f.endFds ?? "(exited)"}`,
    `  server closes by reason: ${closes}`,
    ...(examples.length > 0 ? [`  neither answered nor closed (maybe rightly; replay with --case N): ${examples.join("; ")}`] : []),
  ];
}

export function formatFailure(r: CampaignResult, f: Failure): string[] {
  const o = r.options;
  const lines = [
    `FAILED: target ${o.target}, seed ${o.seed}: ${f.check}: ${f.message}`,
    ...(f.caseLine ? [`  during case ${f.caseLine}`] : []),
    ...(f.batch.length > 1 ? [`  the batch so far: ${f.batch.join(", ")}`] : []),
    ...(f.check === "rss" && f.rssTrailBytes.length > 0
      ? [`  RSS after each of the last batches: ${f.rssTrailBytes.map((b) => (b / MIB).toFixed(0)).join(", ")} MiB`]
      : []),
    "  server's last lines:",
    ...f.logTail.split("\n").map((l) => `    | ${l}`),
    `  data directory kept: ${f.dataDir}`,
  ];
  if (f.isolated) {
    lines.push(`  minimal case (fails alone on a fresh server): ${f.isolated.caseLine}`, `    ${f.isolated.check}: ${f.isolated.message}`);
    const tail = f.isolated.logTail.split("\n").slice(-12);
    lines.push("    its server's last lines:", ...tail.map((l) => `      | ${l}`), `  replay the case alone: ${f.isolated.replay}`);
  } else if (f.needsSequence) {
    lines.push("  no case of the batch fails alone: the failure needs the sequence");
  }
  lines.push(`  replay: ${f.replay}`);
  return lines;
}
