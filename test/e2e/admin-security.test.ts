// The admin port's exposure: the address it listens on (admin.serverAddress), command lookup by
// own names only, and admin.authRequired (digest users' credentials for all but /health).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestId } from "@warden/tree";
import { ConfigError, loadConfig } from "@warden/server";
import { adminCommand } from "@warden/cli";
import { startStandalone, type Standalone } from "./harness.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("admin.serverAddress", () => {
  it("is the only address the admin port listens on", async () => {
    // 127.0.0.2 is loopback too on Linux: reachable there, refused on 127.0.0.1.
    const s = await startStandalone({ "admin.serverAddress": "127.0.0.2" });
    try {
      const port = s.server.ports.admin;
      expect((await fetch(`http://127.0.0.2:${port}/health`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      const conf = (await (await fetch(`http://127.0.0.2:${port}/commands/initial_configuration`)).json()) as {
        initial_configuration: string;
      };
      expect(conf.initial_configuration).toContain("admin.serverAddress=127.0.0.2");
    } finally {
      await s.stop();
    }
  });
});

describe("command names", () => {
  let s: Standalone;
  beforeAll(async () => (s = await startStandalone()));
  afterAll(() => s?.stop());

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"])(
    "/commands/%s is 404 on a real server: only commands are commands",
    async (name) => {
      const res = await fetch(`http://127.0.0.1:${s.server.ports.admin}/commands/${name}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: `unknown command ${name}` });
    },
  );
});

describe("admin.authRequired", () => {
  let s: Standalone;
  let base: string;
  beforeAll(async () => {
    s = await startStandalone({
      "admin.authRequired": "true",
      superDigest: digestId("super", "root-pw"),
      "admin.authDigests": `${digestId("ops", "ops-pw")}, ${digestId("mon", "mon:pw")}`,
    });
    base = `http://127.0.0.1:${s.server.ports.admin}`;
  });
  afterAll(() => s?.stop());
  const status = async (path: string, authorization?: string) =>
    (await fetch(base + path, authorization === undefined ? {} : { headers: { authorization } })).status;

  it("answers 401 with a Basic challenge without credentials, on every command, the list and /metrics", async () => {
    for (const path of [
      "/commands/srvr",
      "/commands/conf",
      "/commands/stat_reset",
      "/commands",
      "/metrics",
      "/commands/constructor",
      "/nowhere",
    ]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate"), path).toMatch(/^Basic realm=/);
    }
  });

  it("keeps /health open for probes", async () => {
    expect(await status("/health")).toBe(200);
    expect(await status("/health?x=1")).toBe(200);
  });

  it("lets in the superDigest user and each admin.authDigests user, as HTTP Basic or ZooKeeper's digest header", async () => {
    expect(await status("/commands/srvr", basic("super", "root-pw"))).toBe(200);
    expect(await status("/commands/srvr", basic("ops", "ops-pw"))).toBe(200);
    expect(await status("/commands/srvr", basic("mon", "mon:pw"))).toBe(200);
    expect(await status("/metrics", basic("ops", "ops-pw"))).toBe(200);
    expect(await status("/commands/srvr", "digest ops:ops-pw")).toBe(200);
    expect(await status("/commands/constructor", basic("ops", "ops-pw"))).toBe(404);
  });

  it("warden admin sends credentials when given them", async () => {
    const server = `127.0.0.1:${s.server.ports.admin}`;
    const out: string[] = [];
    expect(await adminCommand("srvr", server, (t) => out.push(t))).toBe(1);
    expect(await adminCommand("srvr", server, (t) => out.push(t), "ops:ops-pw")).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ command: "srvr", error: null });
  });

  it("refuses wrong, partial or malformed credentials with 401, and counts them", async () => {
    const before = await failures();
    const wrong = [
      basic("ops", "wrong"),
      basic("nobody", "ops-pw"),
      basic("ops", ""),
      "Basic !!!",
      "Basic",
      "Bearer ops:ops-pw",
      "digest ops",
      `Basic ${Buffer.from("ops").toString("base64")}`,
      "ip 127.0.0.1",
      "x".repeat(2000),
    ];
    for (const h of wrong) expect(await status("/commands/srvr", h), h).toBe(401);
    expect((await failures()) - before).toBe(wrong.length);
    expect(await status("/commands/srvr", basic("ops", "ops-pw"))).toBe(200);
  });

  const failures = async () => {
    const body = await (await fetch(`${base}/metrics`, { headers: { authorization: basic("ops", "ops-pw") } })).text();
    const line = body.split("\n").find((l) => l.startsWith("warden_admin_auth_failures_total"));
    return line === undefined ? 0 : Number(line.split(" ").pop());
  };

  it("is off by default: commands answer without credentials", async () => {
    const open = await startStandalone();
    try {
      expect((await fetch(`http://127.0.0.1:${open.server.ports.admin}/commands/srvr`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it("refuses to start with nobody able to pass, or a malformed digest id", () => {
    expect(() => loadConfig(undefined, { dataDir: "/tmp/unused", "admin.authRequired": "true" })).toThrow(
      /needs superDigest or admin.authDigests/,
    );
    expect(() =>
      loadConfig(undefined, { dataDir: "/tmp/unused", "admin.authRequired": "true", "admin.authDigests": "ops:ops-pw" }),
    ).toThrow(ConfigError);
  });
});
