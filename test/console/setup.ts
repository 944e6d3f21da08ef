// Shared by the console's browser tests (console.test.ts in Chromium, console-firefox.test.ts in
// Firefox): the three-process ensemble whose servers allow every server's admin origin, a client,
// the console's URL, the artifacts folder, and the rule for a missing browser (CI fails, a local
// run skips loudly).
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ProcessEnsemble, freePort, type ServerPorts } from "@warden/testing";
import { createClient, type Client } from "@warden/client";

export const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));
export const UI_TIMEOUT_MS = 15_000;
export const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/**
 * True when the browser binary is there. Missing: under CI this throws (the test file fails,
 * it is not skipped); elsewhere it warns loudly and the caller skips.
 */
export function browserPresent(name: string, path: string, debianPackage: string): boolean {
  if (existsSync(path)) return true;
  const why = `the web console's ${name} test needs ${path} (Debian package ${debianPackage}, which .ci/run installs)`;
  if (process.env.CI) throw new Error(why);
  console.warn(`\n!!!! SKIPPING ${why} !!!!\n`);
  return false;
}

export interface ConsoleEnsemble {
  ensemble: ProcessEnsemble;
  client: Client;
  /** The admin base URL of server `id`. */
  admin(id: number): string;
  /** The console's URL on server 1, connected to the whole ensemble and reading every admin port. */
  consoleUrl(): string;
  stop(): Promise<void>;
}

/** Three server processes (tick 200 ms); every server allows every server's admin origin. */
export async function startConsoleEnsemble(): Promise<ConsoleEnsemble> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const ports = new Map<number, ServerPorts>();
  for (const id of [1, 2, 3])
    ports.set(id, {
      native: await freePort(),
      client: await freePort(),
      admin: await freePort(),
      peer: await freePort(),
      election: await freePort(),
    });
  // The console from server 1 opens sessions on any of them (failover) and reads every admin port.
  const origins = [...ports.values()].map((p) => `http://127.0.0.1:${p.admin}`).join(",");
  const ensemble = await ProcessEnsemble.start({
    count: 3,
    tickTimeMs: 200,
    ports: (id) => ports.get(id)!,
    extraConfig: { nativeAllowedOrigins: origins },
  });
  let client: Client | undefined;
  try {
    client = createClient(ensemble.connectString());
    await client.connected();
  } catch (e) {
    await client?.close();
    await ensemble.stop();
    throw e;
  }
  const admin = (id: number) => `http://127.0.0.1:${ensemble.server(id).ports.admin}`;
  return {
    ensemble,
    client,
    admin,
    consoleUrl: () =>
      `${admin(1)}/console/?connect=${encodeURIComponent(ensemble.connectString())}&admin=${[1, 2, 3].map(admin).join(",")}`,
    stop: async () => {
      await client!.close();
      await ensemble.stop();
    },
  };
}
