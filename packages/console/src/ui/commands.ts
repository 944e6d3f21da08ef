// Any admin command of any server, as a readable table (ZooKeeper's four-letter words and
// admin commands: monitor, server_stats, connections, dump, watch_summary, ...).
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { flattenJson } from "../commands-model.js";
import { parseAdminJson } from "../sessions-model.js";

/** How long the console waits for one admin command's answer. */
const FETCH_TIMEOUT_MS = 3000;
/** Characters of an admin command's answer the console shows; a longer one is refused. */
const ANSWER_CHARS_MAX = 2 * 1024 * 1024;
const DEFAULT_COMMANDS = [
  "monitor",
  "server_stats",
  "connections",
  "dump",
  "watch_summary",
  "configuration",
  "environment",
  "leader",
  "voting_view",
  "zabstate",
  "last_snapshot",
];

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), cache: "no-store" });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > ANSWER_CHARS_MAX) throw new Error("answer too large to show");
  return parseAdminJson(text);
}

export function CommandsPanel(props: { admins: string[] }) {
  const [admin, setAdmin] = useState(props.admins[0]!);
  const [names, setNames] = useState<string[]>(DEFAULT_COMMANDS);
  const [name, setName] = useState("monitor");
  const [answer, setAnswer] = useState<{ rows: Array<[string, string]> } | { error: string } | undefined>(undefined);
  useEffect(() => {
    getJson(`${admin}/commands`).then(
      (v) => {
        const list = (v as { commands?: unknown }).commands;
        if (Array.isArray(list)) setNames(list.filter((x): x is string => typeof x === "string").slice(0, 200));
      },
      () => undefined,
    );
  }, [admin]);
  const run = async () => {
    try {
      setAnswer({ rows: flattenJson(await getJson(`${admin}/commands/${encodeURIComponent(name)}`)) });
    } catch (e) {
      setAnswer({ error: (e as Error).message });
    }
  };
  useEffect(() => void run(), [admin, name]);
  return html`<section class="commands">
    <h3>Admin commands</h3>
    <select aria-label="server" value=${admin} onChange=${(e: Event) => setAdmin((e.target as HTMLSelectElement).value)}>${props.admins.map((a) => html`<option value=${a}>${a}</option>`)}</select>
    <select aria-label="command" value=${name} onChange=${(e: Event) => setName((e.target as HTMLSelectElement).value)}>${names.map((n) => html`<option value=${n}>${n}</option>`)}</select>
    <button onClick=${run}>Refresh</button>
    ${answer === undefined ? null : "error" in answer ? html`<p class="msg error">${answer.error}</p>` : html`<table class="command-answer" data-command=${name}>${answer.rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>`}
  </section>`;
}
