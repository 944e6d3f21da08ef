// The service registry view: /services/<name>/<id> (see @warden/recipes' registry), read
// with the session and kept current by a persistent recursive watch on /services.
import { useEffect, useState } from "preact/hooks";
import type { Client } from "@warden/client";
import { AddWatchMode, NoNodeError, WatcherType } from "@warden/protocol";
import { html } from "./html.js";
import { errorText, isNoAuth } from "./session.js";
import { instanceView, type InstanceView } from "../registry-model.js";

const SERVICES = "/services";
/** Services and instances per service listed at most. */
const LISTED_MAX = 500;

type Services = Array<{ name: string; instances: InstanceView[]; error?: string }>;

async function readServices(client: Client): Promise<Services | string> {
  let names: string[];
  try {
    names = ((await client.getChildren(SERVICES)) as string[]).sort().slice(0, LISTED_MAX);
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    return isNoAuth(e) ? "not readable" : errorText(e);
  }
  return Promise.all(
    names.map(async (name) => {
      try {
        const ids = ((await client.getChildren(`${SERVICES}/${name}`)) as string[]).sort().slice(0, LISTED_MAX);
        const instances = await Promise.all(
          ids.map(async (id) => {
            try {
              const { data } = await client.getData(`${SERVICES}/${name}/${id}`);
              return instanceView(id, data);
            } catch (e) {
              return { id, error: e instanceof NoNodeError ? "gone" : isNoAuth(e) ? "not readable" : errorText(e) } as InstanceView;
            }
          }),
        );
        return { name, instances: instances.filter((i) => i.error !== "gone") };
      } catch (e) {
        return { name, instances: [], error: isNoAuth(e) ? "not readable" : errorText(e) };
      }
    }),
  );
}

export function RegistryView(props: { client: Client }) {
  const { client } = props;
  const [services, setServices] = useState<Services | string | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let pending = false;
    let again = false;
    const refresh = async () => {
      if (pending) return void (again = true);
      pending = true;
      do {
        again = false;
        const s = await readServices(client);
        if (!stopped) setServices(s);
      } while (again && !stopped);
      pending = false;
    };
    const listener = () => void refresh();
    void client.addWatch(SERVICES, AddWatchMode.PERSISTENT_RECURSIVE, listener).catch(() => undefined);
    void refresh();
    return () => {
      stopped = true;
      void client.removeWatches(SERVICES, WatcherType.PersistentRecursive, listener).catch(() => undefined);
    };
  }, [client]);
  if (services === undefined) return html`<main class="registry"><p>reading ${SERVICES}…</p></main>`;
  if (typeof services === "string") return html`<main class="registry"><p class="unreadable">${SERVICES}: ${services}</p></main>`;
  if (services.length === 0) return html`<main class="registry"><p>no services registered under ${SERVICES}</p></main>`;
  return html`<main class="registry">${services.map(
    (s) => html`<section class="service" data-service=${s.name}>
    <h3>${s.name} <small>${s.instances.length} instance${s.instances.length === 1 ? "" : "s"}</small></h3>
    ${s.error ? html`<p class="unreadable">${s.error}</p>` : null}
    <table><thead><tr><th>id</th><th>address</th><th>port</th><th>health</th><th>metadata</th><th>registered</th></tr></thead>
    <tbody>${s.instances.map(
      (i) => html`<tr data-instance=${i.id} class=${i.health}>
      <td>${i.id}</td><td>${i.address ?? "-"}</td><td>${i.port ?? "-"}</td><td class="health">${i.error ?? i.healthText}</td><td>${i.metadata}</td><td>${i.registered}</td></tr>`,
    )}</tbody></table>
  </section>`,
  )}</main>`;
}
