// Create a child of the selected node: every create mode, a TTL for the TTL modes.
import { useState } from "preact/hooks";
import type { Client } from "@warden/client";
import { CreateMode, isTTL } from "@warden/protocol";
import { html } from "./html.js";
import { childPath } from "../format.js";
import { errorText } from "./session.js";

const MODES: Array<[string, CreateMode]> = Object.entries(CreateMode) as Array<[string, CreateMode]>;

export function CreateForm(props: { client: Client; parent: string; created: (path: string) => void }) {
  const [name, setName] = useState("");
  const [data, setData] = useState("");
  const [mode, setMode] = useState<CreateMode>(CreateMode.PERSISTENT);
  const [ttl, setTtl] = useState("60000");
  const [message, setMessage] = useState<string | undefined>(undefined);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const path = childPath(props.parent, name.replace(/^\/+/, ""));
    try {
      const created = await props.client.create(path, data, { mode, ...(isTTL(mode) ? { ttl: Number(ttl) } : {}) });
      setMessage(`created ${created}`);
      setName("");
      setData("");
      props.created(created);
    } catch (e) {
      setMessage(`not created: ${errorText(e)}`);
    }
  };
  return html`<form class="create" onSubmit=${submit} aria-label="create a node">
    <h3>Create under ${props.parent}</h3>
    <input aria-label="new node name" placeholder="name" value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} required />
    <select aria-label="create mode" value=${mode} onChange=${(e: Event) => setMode(Number((e.target as HTMLSelectElement).value) as CreateMode)}>
      ${MODES.map(([label, m]) => html`<option value=${m}>${label.toLowerCase().replace(/_/g, " ")}</option>`)}
    </select>
    ${isTTL(mode) ? html`<input aria-label="ttl ms" type="number" min="1" value=${ttl} onInput=${(e: Event) => setTtl((e.target as HTMLInputElement).value)} />` : null}
    <textarea aria-label="new node data" placeholder="data (UTF-8)" rows="3" value=${data} onInput=${(e: Event) => setData((e.target as HTMLTextAreaElement).value)}></textarea>
    <button class="primary" type="submit">Create</button>
    ${message ? html`<p class="msg" role="status">${message}</p>` : null}
  </form>`;
}
