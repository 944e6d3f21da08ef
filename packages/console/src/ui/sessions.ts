// Sessions and their ephemerals, and the connections of each server, from the admin ports
// (/commands/connections on each, /commands/dump on the first that answers).
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { parseAdminJson, sessionRows, type SessionRow } from "../sessions-model.js";

/** Interval between two polls of the sessions view's commands. */
const POLL_MS = 2000;
/** How long one sessions poll waits for its answer. */
const FETCH_TIMEOUT_MS = 1500;
/** Largest answer read (characters): a dump of many sessions is cut off, not parsed whole. */
const ANSWER_CHARS_MAX = 1024 * 1024;

async function command(admin: string, name: string): Promise<unknown> {
  try {
    const res = await fetch(`${admin}/commands/${name}`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), cache: "no-store" });
    if (!res.ok) return undefined;
    const text = await res.text();
    return text.length > ANSWER_CHARS_MAX ? undefined : parseAdminJson(text);
  } catch {
    return undefined;
  }
}

export function SessionsPanel(props: { admins: string[] }) {
  const { admins } = props;
  const [rows, setRows] = useState<{ sessions: SessionRow[]; perServer: Array<[string, number | undefined]> } | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      const connections = await Promise.all(admins.map(async (admin) => ({ admin, answer: await command(admin, "connections") })));
      const first = connections.find((c) => c.answer !== undefined);
      const dump = first ? await command(first.admin, "dump") : undefined;
      if (stopped) return;
      const count = (a: unknown) => ((a as { connections?: unknown })?.connections as unknown[] | undefined)?.length;
      setRows({ sessions: sessionRows(connections, dump), perServer: connections.map((c) => [c.admin, count(c.answer)]) });
      timer = setTimeout(round, POLL_MS);
    };
    void round();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [admins.join(",")]);
  if (!rows) return null;
  return html`<section class="sessions">
    <h3>Connections per server</h3>
    <p>${rows.perServer.map(([a, n]) => html`<span class="pill" data-connections-of=${a}>${a.replace(/^https?:\/\//, "")}: ${n ?? "?"}</span> `)}</p>
    <h3>Sessions and their ephemerals</h3>
    <table class="session-table">
      <thead><tr><th>session</th><th>connected to</th><th>from</th><th>ephemerals</th></tr></thead>
      <tbody>${rows.sessions.map(
        (s) => html`<tr data-session=${s.session}>
        <td>${s.session}</td><td>${s.servers.map((a) => a.replace(/^https?:\/\//, "")).join(", ") || "-"}</td><td>${s.remotes.join(", ") || "-"}</td>
        <td class="ephemerals">${s.ephemerals.join(" ") || "-"}</td></tr>`,
      )}</tbody>
    </table>
  </section>`;
}
