// The console's page: a header with the connection state and the views, the tree view (tree,
// node, create, live log, auth), the ensemble view and the registry view.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Client, WatchedEvent } from "@warden/client";
import { EventType } from "@warden/protocol";
import { html } from "./html.js";
import { Tree } from "./tree.js";
import { TreeStore } from "./tree-store.js";
import { NodeView } from "./node-view.js";
import { CreateForm } from "./create.js";
import { AuthPanel } from "./auth.js";
import { eventEntry, logLine, watchSubtree, EVENT_LOG_MAX, type LoggedEvent } from "./live.js";
import { EnsembleView } from "./ensemble.js";
import { RegistryView } from "./registry.js";
import type { ConsoleConfig } from "./session.js";
import { parentPath } from "../format.js";

type View = "tree" | "ensemble" | "registry";

export function App(props: { client: Client; config: ConsoleConfig }) {
  const { client, config } = props;
  const [view, setView] = useState<View>(() => (new URLSearchParams(location.search).get("view") as View | null) ?? "tree");
  const [state, setState] = useState<string>(client.state);
  useEffect(() => client.on("state", () => setState(client.state)), [client]);
  return html`<div class="app">
    <header>
      <strong>Warden console</strong>
      <nav>${(["tree", "ensemble", "registry"] as View[]).map((v) => html`<button class=${view === v ? "active" : ""} aria-pressed=${view === v} onClick=${() => setView(v)}>${v}</button>`)}</nav>
      <span class=${`conn ${state}`} data-state=${state} title=${config.connect}>${state} · ${config.connect}</span>
      ${state === "closed" ? html`<button onClick=${() => location.reload()} title="the session ended (expired or closed): open a new one; credentials must be entered again">new session</button>` : null}
    </header>
    ${view === "tree" ? html`<${TreeView} client=${client} />` : view === "ensemble" ? html`<${EnsembleView} admins=${config.admins} />` : html`<${RegistryView} client=${client} />`}
  </div>`;
}

function TreeView(props: { client: Client }) {
  const { client } = props;
  const store = useMemo(() => new TreeStore(client), [client]);
  const [selected, setSelected] = useState("/");
  const selectedRef = useRef("/");
  selectedRef.current = selected;
  const [changeTick, setChangeTick] = useState(0);
  const [log, setLog] = useState<LoggedEvent[]>([]);
  const [live, setLive] = useState(true);
  const [watchError, setWatchError] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (!live) return;
    let stop: (() => Promise<void>) | undefined;
    let cancelled = false;
    const onEvent = (e: WatchedEvent) => {
      if (e.type === EventType.None) return;
      setLog((l) => [eventEntry(e, Date.now()), ...l].slice(0, EVENT_LOG_MAX));
      if (e.type === EventType.NodeCreated || e.type === EventType.NodeDeleted) void store.refreshParentOf(e.path);
      if (e.type === EventType.EventsLost) void store.reloadExpanded();
      // The open node is read again when it changed, or a child came or went (its Stat).
      const open = selectedRef.current;
      if (e.type === EventType.EventsLost || e.path === open || parentPath(e.path) === open) setChangeTick((t) => t + 1);
    };
    watchSubtree(client, "/", onEvent).then(
      (s) => (cancelled ? void s() : (stop = s), setWatchError(undefined)),
      (e) => setWatchError(`live updates off: ${(e as Error).message}`),
    );
    return () => {
      cancelled = true;
      void stop?.();
    };
  }, [client, live]);

  const select = (p: string) => setSelected(p);
  return html`<main class="treeview">
    <${Tree} store=${store} selected=${selected} select=${select} />
    <div class="detail">
      <${NodeView} client=${client} path=${selected} changeTick=${changeTick} onDeleted=${(p: string) => (setSelected(parentPath(p)), void store.refreshParentOf(p))} />
      <${CreateForm} client=${client} parent=${selected} created=${(p: string) => (void store.toggle(parentPath(p), true), setSelected(p))} />
    </div>
    <aside>
      <section class="live">
        <h3>Live <label><input type="checkbox" checked=${live} onChange=${() => setLive(!live)} /> recursive watch on /</label></h3>
        ${watchError ? html`<p class="msg error">${watchError}</p>` : null}
        <ol class="events" aria-label="event log">${log.map((e) => html`<li data-event-path=${e.path} data-event-type=${e.type}>${logLine(e)}</li>`)}</ol>
      </section>
      <${AuthPanel} client=${client} added=${() => (void store.reloadExpanded(), setChangeTick((t) => t + 1))} />
    </aside>
  </main>`;
}
