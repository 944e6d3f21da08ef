// The native port checks the Origin of WebSocket upgrades: a browser lets any page open any
// ws:// URL, so a page a user visits from a trusted network must neither get in nor, when
// allowed in, pass ip ACLs with the user's address. Programs send no Origin and are unaffected.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AuthFailedError, NoAuthError, Perms, type ACL } from "@warden/protocol";
import { ConfigError, loadConfig } from "@warden/server";
import { createClient, webSocketTransport, type Client } from "@warden/client";
import { startStandalone, text, type Standalone } from "./harness.js";

const CONSOLE = "https://console.example.com";
const ipOnly: ACL[] = [{ perms: Perms.ALL, id: { scheme: "ip", id: "127.0.0.1" } }];

/** Opens the native port as a browser on `origin` would; resolves with the HTTP status of a refusal, or "open". */
function upgrade(port: number, origin: string | undefined): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, origin === undefined ? {} : { origin });
    ws.on("open", () => {
      ws.terminate();
      resolve("open");
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("error", (e) => reject(e));
  });
}

/** A client whose WebSocket carries `origin`, as the same client library in a page on that origin. */
function pageClient(s: Standalone, origin: string): Client {
  class PageWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { origin });
    }
  }
  return createClient(s.connectString, {
    transport: webSocketTransport(PageWebSocket),
    sessionTimeoutMs: 4000,
    reconnectDelayMsMin: 20,
    reconnectDelayMsMax: 200,
  });
}

/** A page of `origin` connects, and its session has no identity at all (no ip identity). */
async function expectPageWithoutIdentity(s: Standalone, origin: string): Promise<void> {
  const c = pageClient(s, origin);
  try {
    await c.connected({ timeoutMs: 5000 });
    expect(await c.whoAmI()).toEqual([]);
  } finally {
    await c.close();
  }
}

const refusedCount = async (s: Standalone) => {
  const body = await (await fetch(`http://127.0.0.1:${s.server.ports.admin}/metrics`)).text();
  const line = body
    .split("\n")
    .find((l) => l.startsWith("warden_connections_closed_total{") && l.includes('cause="origin_refused"') && l.includes('port="native"'));
  return line === undefined ? 0 : Number(line.split(" ").pop());
};

describe("by default", () => {
  let s: Standalone;
  beforeAll(async () => (s = await startStandalone()));
  afterAll(() => s?.stop());

  it("refuses every browser origin with 403 at the upgrade, counts it, and serves programs as before", async () => {
    expect(await upgrade(s.server.ports.native, "https://evil.example")).toBe(403);
    expect(await upgrade(s.server.ports.native, `http://127.0.0.1:${s.server.ports.admin}`)).toBe(403);
    expect(await upgrade(s.server.ports.native, "null")).toBe(403);
    expect(await refusedCount(s)).toBe(3);
    // Logged, at most a line a second however often a page retries.
    const logged = s.log.filter((l) => l.includes("refused a WebSocket upgrade"));
    expect(logged[0]).toContain('Origin "https://evil.example"');
    expect(logged.length).toBeLessThan(3);
    expect(await upgrade(s.server.ports.native, undefined)).toBe("open");
    const program = await s.client();
    expect(await program.whoAmI()).toEqual([{ scheme: "ip", id: "127.0.0.1" }]);
  });
});

describe("with nativeAllowedOrigins", () => {
  let s: Standalone;
  let page: Client;
  beforeAll(async () => {
    s = await startStandalone({ nativeAllowedOrigins: `${CONSOLE}, http://10.0.0.5:8080` });
    page = pageClient(s, CONSOLE);
    await page.connected({ timeoutMs: 5000 });
  });
  afterAll(async () => {
    await page?.close();
    await s?.stop();
  });

  it("refuses an origin not listed, and one that only looks like a listed one", async () => {
    expect(await upgrade(s.server.ports.native, "https://evil.example")).toBe(403);
    expect(await upgrade(s.server.ports.native, "https://console.example.com.evil.example")).toBe(403);
    expect(await upgrade(s.server.ports.native, "http://console.example.com")).toBe(403);
    expect(await upgrade(s.server.ports.native, "HTTPS://CONSOLE.example.com:443")).toBe("open");
  });

  it("gives an allowed page's session no ip identity: an ip ACL refuses it, a program passes", async () => {
    const program = await s.client();
    await program.create("/ip-only", "secret", { acl: ipOnly });
    expect(text((await program.getData("/ip-only")).data)).toBe("secret");
    expect(await page.whoAmI()).toEqual([]);
    await expect(page.getData("/ip-only")).rejects.toBeInstanceOf(NoAuthError);
    await expect(page.setData("/ip-only", "x")).rejects.toBeInstanceOf(NoAuthError);
    // The page works otherwise.
    await page.create("/from-page", "p");
    expect(text((await program.getData("/from-page")).data)).toBe("p");
  });

  it("does not let a page claim its address with addAuth ip", async () => {
    const other = pageClient(s, CONSOLE);
    try {
      await other.connected({ timeoutMs: 5000 });
      await expect(other.addAuth("ip", "")).rejects.toBeInstanceOf(AuthFailedError);
    } finally {
      await other.close();
    }
  });
});

describe("nativeAllowAdminOrigin", () => {
  it("allows the admin port's own origin, and only on that port", async () => {
    const s = await startStandalone({ nativeAllowAdminOrigin: "true" });
    try {
      const admin = `http://127.0.0.1:${s.server.ports.admin}`;
      expect(await upgrade(s.server.ports.native, admin)).toBe("open");
      expect(await upgrade(s.server.ports.native, `http://localhost:${s.server.ports.admin}`)).toBe("open");
      expect(await upgrade(s.server.ports.native, `http://127.0.0.1:${s.server.ports.admin + 1}`)).toBe(403);
      expect(await upgrade(s.server.ports.native, `http://evil.example:${s.server.ports.admin}`)).toBe(403);
      await expectPageWithoutIdentity(s, admin);
    } finally {
      await s.stop();
    }
  });

  it("* allows every page, still without an ip identity", async () => {
    const s = await startStandalone({ nativeAllowedOrigins: "*" });
    try {
      expect(await upgrade(s.server.ports.native, "https://anything.example")).toBe("open");
      await expectPageWithoutIdentity(s, "https://anything.example");
    } finally {
      await s.stop();
    }
  });
});

describe("configuration", () => {
  it.each(["console.example.com", "https://console.example.com/app", "ftp://x.example", "null", "https://user@x.example"])(
    "refuses nativeAllowedOrigins=%s",
    (value) => {
      expect(() => loadConfig(undefined, { dataDir: "/tmp/unused", nativeAllowedOrigins: value })).toThrow(ConfigError);
    },
  );
});
