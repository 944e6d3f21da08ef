// The web console on the admin port: files served from memory only (no request path reaches
// the file system), config.json naming this server's native ports, the security headers, the
// admin commands readable (CORS) by exactly the pages the native port allows, the admin's own
// origin under the schemes the admin port serves, and the bounds on the files read at start.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAdminServer } from "../src/admin/http.js";
import type { AdminListener } from "../src/admin/listener.js";
import { consoleDir, loadConsoleFiles } from "../src/admin/console-files.js";
import { adminOrigins, nativeOrigins } from "../src/net/origins.js";

const source = { ready: () => true, metrics: () => "warden_up 1\n", commands: { monitor: () => ({ server_state: "leader" }) } };
const files = new Map([
  ["index.html", { type: "text/html; charset=utf-8", body: Buffer.from("<!doctype html><title>console</title>") }],
  ["app.js", { type: "text/javascript; charset=utf-8", body: Buffer.from("console.log(1)") }],
]);
const info = () => ({ serverId: 2, nativePort: 2281, secureNativePort: 0 });
let listener: AdminListener | undefined;
const logs: string[] = [];
const reporter = { log: (l: string) => void logs.push(l), closed: () => undefined };

afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function start(corsOrigins?: Set<string> | "*") {
  listener = await startAdminServer(source, 0, "127.0.0.1", reporter, {
    commandUrl: "/commands",
    idleTimeoutMs: 5000,
    console: { files, info },
    corsOrigins,
  });
  return `http://127.0.0.1:${listener.port}`;
}

describe("/console/ on the admin port", () => {
  it("serves the page, its files and config.json, with the console's security headers", async () => {
    const base = await start();
    const page = await fetch(`${base}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await page.text()).toContain("<title>console</title>");
    expect(await (await fetch(`${base}/console/app.js`)).text()).toBe("console.log(1)");
    expect(await (await fetch(`${base}/console/config.json`)).json()).toEqual(info());
    const bare = await fetch(`${base}/console`, { redirect: "manual" });
    expect([bare.status, bare.headers.get("location")]).toEqual([301, "/console/"]);
  });

  it("answers 404 to any name it does not hold, traversal and encodings included, and keeps serving", async () => {
    const base = await start();
    for (const p of [
      "/console/nope.js",
      "/console/%2e%2e/%2e%2e/etc/passwd",
      "/console/..%2fpackage.json",
      "/console/app.js/",
      "/console//index.html",
    ]) {
      expect((await fetch(base + p)).status, p).toBe(404);
    }
    expect((await fetch(`${base}/console/`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${base}/console/app.js`)).status).toBe(200);
  });

  it("says how to build the console when it is not built", async () => {
    listener = await startAdminServer(source, 0, "127.0.0.1", reporter, {
      commandUrl: "/commands",
      idleTimeoutMs: 5000,
      console: { files: undefined, info },
    });
    const res = await fetch(`http://127.0.0.1:${listener.port}/console/`);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/npm run build/);
  });
});

describe("admin commands read by other pages (CORS)", () => {
  const allowed = "http://127.0.0.1:9001";

  it("lets a page the native port allows read the commands, and no other page", async () => {
    const base = await start(new Set([allowed]));
    const ok = await fetch(`${base}/commands/monitor`, { headers: { origin: allowed } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(ok.headers.get("vary")).toMatch(/origin/i);
    const other = await fetch(`${base}/commands/monitor`, { headers: { origin: "http://evil.example:9001" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const none = await fetch(`${base}/commands/monitor`);
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows no page at all when the native port allows none (the default)", async () => {
    const base = await start(new Set());
    expect(
      (await fetch(`${base}/commands/monitor`, { headers: { origin: allowed } })).headers.get("access-control-allow-origin"),
    ).toBeNull();
  });

  it("with nativeAllowedOrigins=* lets every page read", async () => {
    const base = await start("*");
    expect((await fetch(`${base}/health`, { headers: { origin: "https://x.example" } })).headers.get("access-control-allow-origin")).toBe(
      "*",
    );
  });
});

describe("the admin port's own origin on the native port", () => {
  const config = { nativeAllowedOrigins: new Set<string>(), nativeAllowAdminOrigin: true, adminPort: 8080, adminAddress: "127.0.0.1" };

  it("is http://HOST:adminPort for a plain admin port", () => {
    expect(adminOrigins(8080, "127.0.0.1")).toEqual(["http://127.0.0.1:8080", "http://localhost:8080"]);
  });

  it("is https:// when the admin port serves HTTPS only, and both with port unification", () => {
    expect([...(nativeOrigins(config, ["https"]) as Set<string>)]).toEqual(["https://127.0.0.1:8080", "https://localhost:8080"]);
    expect([...(nativeOrigins(config, ["http", "https"]) as Set<string>)].sort()).toEqual([
      "http://127.0.0.1:8080",
      "http://localhost:8080",
      "https://127.0.0.1:8080",
      "https://localhost:8080",
    ]);
  });

  it("is not allowed unless nativeAllowAdminOrigin says so", () => {
    expect([...(nativeOrigins({ ...config, nativeAllowAdminOrigin: false }, ["https"]) as Set<string>)]).toEqual([]);
  });
});

describe("the console's files", () => {
  it("are found in @warden/console's dist/www once built (npm run build)", () => {
    const dir = consoleDir();
    expect(dir).toMatch(/console[/\\]dist[/\\]www$/);
    const loaded = loadConsoleFiles(dir!);
    expect([...loaded.keys()]).toEqual(expect.arrayContaining(["index.html", "app.js", "console.css", "uPlot.min.css"]));
  });

  it("are bounded: only known types are read, and too many files stop the load with the reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-console-files-"));
    try {
      writeFileSync(join(dir, "index.html"), "x");
      writeFileSync(join(dir, "secret.key"), "x");
      expect([...loadConsoleFiles(dir).keys()]).toEqual(["index.html"]);
      for (let i = 0; i < 40; i++) writeFileSync(join(dir, `f${i}.js`), "x");
      expect(() => loadConsoleFiles(dir)).toThrow(/more than 32 console files/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
