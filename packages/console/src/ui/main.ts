// The console's entry: read what the server says about itself, open the session, render.
import { render } from "preact";
import { html } from "./html.js";
import { App } from "./app.js";
import { consoleConfig, openSession, type ServedConfig } from "./session.js";

async function main(): Promise<void> {
  const root = document.getElementById("app")!;
  let served: ServedConfig;
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    served = (await res.json()) as ServedConfig;
  } catch (e) {
    root.textContent = `cannot read config.json from the admin port: ${(e as Error).message}`;
    return;
  }
  const config = consoleConfig(location, served);
  const client = openSession(config);
  root.textContent = "";
  render(html`<${App} client=${client} config=${config} />`, root);
  addEventListener("pagehide", () => void client.close());
}

void main();
