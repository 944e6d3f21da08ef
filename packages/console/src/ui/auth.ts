// Digest credentials entered in the console: given to the session with addAuth, kept in this
// tab's memory only (never in storage or the URL), gone when the tab closes.
import { useState } from "preact/hooks";
import type { Client } from "@warden/client";
import { html } from "./html.js";
import { errorText } from "./session.js";

export function AuthPanel(props: { client: Client; added: () => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [ids, setIds] = useState<string[]>([]);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    try {
      await props.client.addAuth("digest", `${user}:${password}`);
      setIds([...ids, `digest:${user}`]);
      setPassword("");
      setMessage(`added digest:${user} to this session`);
      props.added();
    } catch (e) {
      setMessage(`refused: ${errorText(e)}`);
    }
  };
  return html`<form class="auth" onSubmit=${submit} aria-label="credentials">
    <h3>Auth</h3>
    <input aria-label="digest user" placeholder="user" autocomplete="off" value=${user} onInput=${(e: Event) => setUser((e.target as HTMLInputElement).value)} required />
    <input aria-label="digest password" type="password" placeholder="password" autocomplete="off" value=${password} onInput=${(e: Event) => setPassword((e.target as HTMLInputElement).value)} required />
    <button type="submit">Add digest</button>
    ${ids.length ? html`<p class="ids">session identities added: ${ids.join(", ")}</p>` : null}
    ${message ? html`<p class="msg" role="status">${message}</p>` : null}
    <p class="hint">Kept in this tab's memory only.</p>
  </form>`;
}
