// The browser path, shown two ways: (1) the package bundles for the browser platform with a
// bundler that fails on any Node builtin or on ws, so nothing on that path imports from Node;
// (2) that bundle runs here with only a global WebSocket (a shim over ws standing in for the
// browser's) and no transport option, and works against the test server.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { rolldown } from "rolldown";
import { WebSocket as NodeWebSocket } from "ws";
import { startEnsemble } from "./helpers.js";
import { connectString } from "./fixtures/test-server.js";

const src = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/src/index.ts`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "warden-browser-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function browserBundle(): Promise<{ code: string; modules: string[] }> {
  const refused: string[] = [];
  const bundle = await rolldown({
    input: src("client"),
    platform: "browser",
    resolve: { alias: { "@warden/protocol": src("protocol") }, conditionNames: ["browser", "import", "default"] },
    plugins: [
      {
        name: "refuse-node",
        resolveId(id: string) {
          if (id.startsWith("node:") || id === "ws" || ["fs", "net", "crypto", "events", "stream", "buffer"].includes(id)) refused.push(id);
          return null;
        },
      },
    ],
    logLevel: "silent",
  });
  const { output } = await bundle.generate({ format: "esm" });
  await bundle.close();
  expect(refused).toEqual([]);
  return { code: output[0].code, modules: Object.keys(output[0].modules) };
}

describe("the browser path", () => {
  it("bundles for browsers without any Node builtin or ws, and works with only a global WebSocket", async () => {
    const { code, modules } = await browserBundle();
    expect(modules.some((m) => m.includes("node.ts"))).toBe(false);
    expect(modules.some((m) => /cbor-x\/(index|decode|encode)\.js/.test(m))).toBe(true); // the browser build of cbor-x
    const file = join(dir, "client.mjs");
    writeFileSync(file, code);

    let constructed = 0;
    class ShimWebSocket extends NodeWebSocket {
      constructor(url: string) {
        super(url);
        constructed++;
      }
    }
    const g = globalThis as { WebSocket?: unknown };
    const previous = g.WebSocket;
    g.WebSocket = ShimWebSocket;
    try {
      const { servers } = await startEnsemble();
      const { createClient } = (await import(pathToFileURL(file).href)) as typeof import("@warden/client");
      const client = createClient(connectString(servers), { sessionTimeoutMs: 2000 });
      try {
        await client.connected({ timeoutMs: 5000 });
        expect(await client.create("/from-browser", "hi")).toBe("/from-browser");
        expect(new TextDecoder().decode((await client.getData("/from-browser")).data)).toBe("hi");
      } finally {
        await client.close();
      }
      expect(constructed).toBe(1);
    } finally {
      g.WebSocket = previous;
    }
  });
});
