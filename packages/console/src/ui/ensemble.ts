// The ensemble view: every server's monitor answer, polled from its admin port, as a table
// with alerts and two small uPlot charts (latency, throughput) over the last minutes.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { html } from "./html.js";
import { SessionsPanel } from "./sessions.js";
import { CommandsPanel } from "./commands.js";
import { serverRows, Series, type MonitorAnswer, type Poll } from "../ensemble-model.js";

/** Interval between two polls of every server's monitor command. */
const POLL_MS = 2000;
/** How long one monitor poll waits before the server counts as down. */
const FETCH_TIMEOUT_MS = 1500;
/** Largest monitor answer read (bytes). */
const ANSWER_CHARS_MAX = 256 * 1024;

async function poll(admin: string): Promise<Poll> {
  const atMs = Date.now();
  try {
    const res = await fetch(`${admin}/commands/monitor`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), cache: "no-store" });
    if (!res.ok) return { admin, atMs, up: false, error: `HTTP ${res.status}` };
    const text = await res.text();
    if (text.length > ANSWER_CHARS_MAX) return { admin, atMs, up: false, error: "answer too large" };
    return { admin, atMs, up: true, monitor: JSON.parse(text) as MonitorAnswer };
  } catch (e) {
    return { admin, atMs, up: false, error: (e as Error).name === "TimeoutError" ? "no answer" : "unreachable" };
  }
}

export function EnsembleView(props: { admins: string[] }) {
  const { admins } = props;
  const series = useMemo(() => new Series(admins), [admins.join(",")]);
  const [polls, setPolls] = useState<Poll[] | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      const p = await Promise.all(admins.map(poll));
      if (stopped) return;
      series.add(p);
      setPolls(p);
      setTick((t) => t + 1);
      timer = setTimeout(round, POLL_MS);
    };
    void round();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [series]);
  if (!polls) return html`<main class="ensemble"><p>asking ${admins.length} admin port(s)…</p></main>`;
  const rows = serverRows(polls);
  const fmt = (v: number | undefined) => (v === undefined ? "-" : String(v));
  return html`<main class="ensemble">
    <table class="servers">
      <thead><tr><th>admin</th><th>role</th><th>zxid</th><th>epoch</th><th>lag</th><th>avg latency ms</th><th>outstanding</th><th>watches</th><th>connections</th><th>alerts</th></tr></thead>
      <tbody>${rows.map(
        (r) => html`<tr class=${r.up ? "up" : "down"} data-admin=${r.admin} data-role=${r.role}>
        <td>${r.admin}</td><td class="role">${r.role}</td><td>${r.zxid}</td><td>${fmt(r.epoch)}</td><td>${fmt(r.lag)}</td><td>${r.latencyMs === undefined ? "-" : r.latencyMs.toFixed(2)}</td><td>${fmt(r.outstanding)}</td><td>${fmt(r.watches)}</td><td>${fmt(r.connections)}</td>
        <td class="alerts">${r.alerts.join("; ")}</td></tr>`,
      )}</tbody>
    </table>
    <p class="hint">Other servers' admin ports are read from this page: they answer it when their nativeAllowedOrigins lists this page's origin. Add servers with ?admin=http://host:port,...</p>
    <div class="charts">
      <${Chart} title="average latency (ms)" admins=${admins} times=${series.times} values=${series.latency} tick=${tick} />
      <${Chart} title="requests received per second" admins=${admins} times=${series.times} values=${series.throughput} tick=${tick} />
    </div>
    <${SessionsPanel} admins=${admins} />
    <${CommandsPanel} admins=${admins} />
  </main>`;
}

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];

function Chart(props: { title: string; admins: string[]; times: number[]; values: Array<Array<number | null>>; tick: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const opts: uPlot.Options = {
      title: props.title,
      width: 460,
      height: 180,
      series: [
        {},
        ...props.admins.map((a, i) => ({ label: a.replace(/^https?:\/\//, ""), stroke: COLORS[i % COLORS.length]!, spanGaps: false })),
      ],
      axes: [{}, { size: 50 }],
    };
    plot.current = new uPlot(opts, [[], ...props.admins.map(() => [])], box.current!);
    return () => plot.current?.destroy();
  }, [props.admins.join(",")]);
  useEffect(() => {
    plot.current?.setData([props.times.slice(), ...props.values.map((v) => v.slice())] as uPlot.AlignedData);
  }, [props.tick]);
  return html`<div class="chart" ref=${box}></div>`;
}
