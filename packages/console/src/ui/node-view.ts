// One node: its data as text, JSON or hex, its Stat and ACL; edit with a version check,
// delete, delete-recursive with a confirmation naming the count.
import { useEffect, useState } from "preact/hooks";
import type { Client } from "@warden/client";
import type { ACL, NodeData, Stat } from "@warden/protocol";
import { BadVersionError } from "@warden/protocol";
import { html } from "./html.js";
import { aclRows, hexDump, hexPairs, jsonError, parseHex, prettyJson, statRows, utf8Text } from "../format.js";
import { errorText, isNoAuth } from "./session.js";
import { deleteRecursive } from "./delete-tree.js";

type Mode = "text" | "json" | "hex";
type Loaded<T> = { ok: true; value: T } | { ok: false; error: string };

interface NodeState {
  data: Loaded<{ data: NodeData; stat: Stat }>;
  acl: Loaded<ACL[]>;
  stat?: Stat;
}

const utf8 = new TextEncoder();

async function loadNode(client: Client, path: string): Promise<NodeState | "gone"> {
  const [data, acl, stat] = await Promise.allSettled([client.getData(path), client.getACL(path), client.exists(path)]);
  const shown = <T>(r: PromiseSettledResult<T>): Loaded<T> =>
    r.status === "fulfilled"
      ? { ok: true, value: r.value }
      : {
          ok: false,
          error: isNoAuth(r.reason) ? "not readable (this session lacks READ: add credentials under Auth)" : errorText(r.reason),
        };
  if (stat.status === "fulfilled" && stat.value === null) return "gone";
  const a = shown(acl);
  return {
    data: shown(data),
    acl: a.ok ? { ok: true, value: a.value.acl } : a,
    ...(stat.status === "fulfilled" && stat.value ? { stat: stat.value } : {}),
  };
}

function dataText(data: NodeData, mode: Mode): string {
  if (data === null) return "";
  if (mode === "hex") return hexPairs(data);
  const text = utf8Text(data) ?? "";
  if (mode === "json") {
    const j = prettyJson(text);
    return j.ok ? j.text : text;
  }
  return text;
}

export function NodeView(props: { client: Client; path: string; changeTick: number; onDeleted: (path: string) => void }) {
  const { client, path, changeTick } = props;
  const [node, setNode] = useState<NodeState | "gone" | undefined>(undefined);
  const [mode, setMode] = useState<Mode>("text");
  const [draft, setDraftText] = useState<string | undefined>(undefined);
  /** The version the open edit started from: a save checks against it, not against a newer read. */
  const [baseVersion, setBaseVersion] = useState<number | undefined>(undefined);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | undefined>(undefined);
  const [confirm, setConfirm] = useState<number | undefined>(undefined);

  const reload = async () =>
    setNode(
      await loadNode(client, path).catch((e) => ({
        data: { ok: false as const, error: errorText(e) },
        acl: { ok: false as const, error: errorText(e) },
      })),
    );
  const setDraft = (text: string | undefined) => {
    if (text === undefined) setBaseVersion(undefined);
    else if (draft === undefined && node && node !== "gone" && node.data.ok) setBaseVersion(node.data.value.stat.version);
    setDraftText(text);
  };
  useEffect(() => {
    setDraft(undefined);
    setMessage(undefined);
    setConfirm(undefined);
    setNode(undefined);
  }, [path]);
  useEffect(() => void reload(), [path, changeTick]);

  if (node === undefined) return html`<section class="node"><h2>${path}</h2><p>loading…</p></section>`;
  if (node === "gone")
    return html`<section class="node"><h2>${path}</h2><p class="gone" data-gone=${path}>this node does not exist (deleted)</p></section>`;
  const d = node.data;
  const stat = d.ok ? d.value.stat : node.stat;

  const save = async () => {
    if (!d.ok || draft === undefined || baseVersion === undefined) return;
    let bytes: Uint8Array;
    if (mode === "hex") {
      const parsed = parseHex(draft);
      if (typeof parsed === "string") return setMessage({ kind: "error", text: `not saved: ${parsed}` });
      bytes = parsed;
    } else {
      if (mode === "json") {
        const err = jsonError(draft);
        if (err !== undefined) return setMessage({ kind: "error", text: `not saved: invalid JSON: ${err}` });
      }
      bytes = utf8.encode(draft);
    }
    try {
      const s = await client.setData(path, bytes, baseVersion);
      setMessage({ kind: "ok", text: `saved: version ${s.version}` });
      setDraft(undefined);
      await reload();
    } catch (e) {
      if (e instanceof BadVersionError) {
        const now = await client.getData(path).catch(() => undefined);
        await reload();
        const current = now ? (now.data === null ? "(null)" : (utf8Text(now.data) ?? hexPairs(now.data))).slice(0, 500) : "(unreadable)";
        setMessage({
          kind: "error",
          text: `not saved: someone changed this node since you started editing version ${baseVersion}; it is now version ${now?.stat.version ?? "?"}: ${current} — Save again overwrites that, Cancel keeps it`,
        });
        if (now) setBaseVersion(now.stat.version);
      } else setMessage({ kind: "error", text: `not saved: ${errorText(e)}` });
    }
  };
  const askDelete = async (recursive: boolean) => {
    if (!recursive) {
      try {
        await client.delete(path, stat?.version ?? -1);
        props.onDeleted(path);
      } catch (e) {
        setMessage({
          kind: "error",
          text: e instanceof BadVersionError ? "not deleted: the node changed since you opened it" : `not deleted: ${errorText(e)}`,
        });
        await reload();
      }
      return;
    }
    try {
      setConfirm((await client.getAllChildrenNumber(path)) + 1);
    } catch (e) {
      setMessage({ kind: "error", text: `cannot count the subtree: ${errorText(e)}` });
    }
  };
  const doDeleteRecursive = async () => {
    setConfirm(undefined);
    try {
      const n = await deleteRecursive(client, path);
      setMessage({ kind: "ok", text: `deleted ${n} nodes` });
      props.onDeleted(path);
    } catch (e) {
      setMessage({ kind: "error", text: `stopped: ${errorText(e)}` });
      await reload();
    }
  };

  return html`<section class="node" data-node=${path}>
    <h2>${path}</h2>
    ${message ? html`<p class=${`msg ${message.kind}`} role="status">${message.text}</p>` : null}
    <div class="tabs" role="tablist">
      ${(["text", "json", "hex"] as Mode[]).map((m) => html`<button role="tab" aria-selected=${mode === m} onClick=${() => (setMode(m), setDraft(undefined))}>${m}</button>`)}
    </div>
    ${draft !== undefined && d.ok && baseVersion !== undefined && d.value.stat.version !== baseVersion ? html`<p class="msg error" data-stale>changed since you started editing: version ${baseVersion} → ${d.value.stat.version}</p>` : null}
    ${d.ok ? dataPane(d.value.data, mode, draft, setDraft, save) : html`<p class="unreadable" data-unreadable=${path}>${d.error}</p>`}
    <div class="actions">
      <button onClick=${() => askDelete(false)} disabled=${(stat?.numChildren ?? 0) > 0} title="delete this node (it must have no children)">Delete</button>
      <button onClick=${() => askDelete(true)}>Delete recursively…</button>
    </div>
    ${
      confirm !== undefined
        ? html`<div class="confirm" role="alertdialog">
          <p>Delete ${path} and everything under it: <strong data-confirm-count>${confirm}</strong> node${confirm === 1 ? "" : "s"}?</p>
          <button class="danger" onClick=${doDeleteRecursive}>Delete ${confirm} nodes</button>
          <button onClick=${() => setConfirm(undefined)}>Cancel</button>
        </div>`
        : null
    }
    <h3>Stat</h3>
    ${stat ? html`<table class="stat">${statRows(stat).map(([k, v]) => html`<tr><th>${k}</th><td data-stat=${k}>${v}</td></tr>`)}</table>` : html`<p>-</p>`}
    <h3>ACL</h3>
    ${node.acl.ok ? html`<table class="acl">${aclRows(node.acl.value).map((a) => html`<tr><td>${a.id}</td><td>${a.perms}</td></tr>`)}</table>` : html`<p class="unreadable">${node.acl.error}</p>`}
  </section>`;
}

function dataPane(data: NodeData, mode: Mode, draft: string | undefined, setDraft: (s: string | undefined) => void, save: () => void) {
  if (draft !== undefined) {
    const invalid = mode === "json" ? jsonError(draft) : undefined;
    return html`<div class="editor">
      <textarea aria-label="node data" rows="12" value=${draft} onInput=${(e: Event) => setDraft((e.target as HTMLTextAreaElement).value)}></textarea>
      ${invalid ? html`<p class="msg error">invalid JSON: ${invalid}</p>` : null}
      <button class="primary" onClick=${save} disabled=${invalid !== undefined}>Save</button>
      <button onClick=${() => setDraft(undefined)}>Cancel</button>
    </div>`;
  }
  let shown: string;
  let note = "";
  if (data === null) shown = "(null)";
  else if (mode === "hex") shown = hexDump(data);
  else {
    const text = utf8Text(data);
    if (text === undefined) (shown = hexDump(data)), (note = "not UTF-8: shown in hex");
    else if (mode === "json") {
      const j = prettyJson(text);
      shown = j.ok ? j.text : text;
      if (!j.ok) note = `not JSON: ${j.error}`;
    } else shown = text;
  }
  return html`<div class="data">
    ${note ? html`<p class="note">${note}</p>` : null}
    <pre data-data>${shown}</pre>
    <button onClick=${() => setDraft(dataText(data, mode))}>Edit</button>
  </div>`;
}
