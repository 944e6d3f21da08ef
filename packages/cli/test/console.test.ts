// `warden console`: the URL it prints for a connect string, for given admin ports, and for the
// local ensemble (which allows every server's admin origin on its native ports).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consoleOrigins } from "../../server/src/local-ensemble.js";
import { adminBase, consoleTarget, consoleUrl } from "../src/commands/console.js";
import { assertBuilt, runWarden } from "./e2e-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "warden-console-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers = [1, 2, 3].map((id) => ({
  id,
  pid: 0,
  dir: "",
  nativePort: 2280 + id,
  clientPort: 2180 + id,
  adminPort: 8080 + id,
  peerPort: 0,
  electionPort: 0,
}));

describe("warden console", () => {
  it("points at the first admin port's /console/ with the connect string and every admin port", () => {
    const url = consoleUrl({ connect: "10.0.0.1:2281,10.0.0.2:2281", admins: ["http://10.0.0.1:8080", "http://10.0.0.2:8080"] });
    expect(url).toBe("http://10.0.0.1:8080/console/?connect=10.0.0.1:2281,10.0.0.2:2281&admin=http://10.0.0.1:8080,http://10.0.0.2:8080");
    const q = new URL(url).searchParams;
    expect([q.get("connect"), q.get("admin")]).toEqual(["10.0.0.1:2281,10.0.0.2:2281", "http://10.0.0.1:8080,http://10.0.0.2:8080"]);
  });

  it("takes the admin port on each host of the connect string, or the admin ports given", async () => {
    expect(await consoleTarget("a:1,b:2/app", { adminPort: 9090, https: false, dir })).toEqual({
      connect: "a:1,b:2/app",
      admins: ["http://a:9090", "http://b:9090"],
    });
    expect((await consoleTarget("a:1", { admin: "c:7,https://d:8/", adminPort: 9090, https: false, dir })).admins).toEqual([
      "http://c:7",
      "https://d:8",
    ]);
    expect(adminBase("[::1]:8080", true)).toBe("https://[::1]:8080");
  });

  it("finds the local ensemble when no connect string is given, and says when there is none", async () => {
    writeFileSync(
      join(dir, "ensemble.json"),
      JSON.stringify({ dir, servers, connectString: "127.0.0.1:2281,127.0.0.1:2282,127.0.0.1:2283", zkConnectString: "" }),
    );
    expect(await consoleTarget(undefined, { adminPort: 8080, https: false, dir })).toEqual({
      connect: "127.0.0.1:2281,127.0.0.1:2282,127.0.0.1:2283",
      admins: ["http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083"],
    });
    await expect(consoleTarget(undefined, { adminPort: 8080, https: false, dir: join(dir, "none") })).rejects.toThrow(/no local ensemble/);
  });

  it("gives the local ensemble's servers every admin origin, by address and as localhost", () => {
    expect(consoleOrigins(servers.slice(0, 2), "127.0.0.1")).toEqual([
      "http://127.0.0.1:8081",
      "http://localhost:8081",
      "http://127.0.0.1:8082",
      "http://localhost:8082",
    ]);
  });

  it("prints the URL from the built program", async () => {
    assertBuilt();
    expect(await runWarden(["console", "127.0.0.1:2281", "--admin-port", "9090"])).toEqual({
      code: 0,
      stdout: "http://127.0.0.1:9090/console/?connect=127.0.0.1:2281\n",
      stderr: "",
    });
  });
});
