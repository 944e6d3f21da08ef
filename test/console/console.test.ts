// The web console end to end: headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core, no browser download) opens /console/ on the first server of a three-process
// ensemble. Through the UI it creates, edits and deletes nodes, checked with the client
// library; it sees another client's change arrive, a registry instance vanish after its
// process is SIGKILLed, and a stopped server shown as down. Screenshots go to
// test-artifacts/console/ (CI keeps that folder).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import type { ProcessEnsemble } from "@warden/testing";
import type { Client } from "@warden/client";
import { CreateMode, Perms } from "@warden/protocol";
import { digestId } from "@warden/tree";
import { ARTIFACTS, UI_TIMEOUT_MS, browserPresent, startConsoleEnsemble, text, type ConsoleEnsemble } from "./setup.js";

const CHROMIUM = "/usr/bin/chromium";
const SERVICE = fileURLToPath(new URL("../../examples/registry/service.mjs", import.meta.url));

describe.skipIf(!browserPresent("Chromium", CHROMIUM, "chromium"))("the web console in headless Chromium", () => {
  let setup: ConsoleEnsemble;
  let ensemble: ProcessEnsemble;
  let browser: Browser;
  let page: Page;
  let client: Client;
  let service: ChildProcess | undefined;
  const admin = (id: number) => setup.admin(id);
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png` });

  beforeAll(async () => {
    setup = await startConsoleEnsemble();
    ({ ensemble, client } = setup);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    // What the page says goes to the test's output: the first thing to read when a step times out.
    page.on("pageerror", (e) => console.error(`console page error: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && console.error(`console page: ${m.text()}`));
    page.on("response", (r) => r.status() >= 400 && console.error(`console page: ${r.status()} for ${r.url()}`));
  }, 60_000);

  afterAll(async () => {
    service?.kill("SIGKILL");
    await browser?.close();
    await setup?.stop();
  });

  it("serves /console/, connects to the ensemble, and creates, edits and deletes nodes", async () => {
    await page.goto(setup.consoleUrl());
    await page.locator('[data-state="connected"]').waitFor();
    await page.locator('[data-path="/zookeeper"]').waitFor();

    // Create /console-e2e with data, through the form under the root.
    await page.getByLabel("new node name").fill("console-e2e");
    await page.getByLabel("new node data").fill('{"a":1}');
    await page.getByRole("button", { name: "Create" }).click();
    await page.locator('[data-node="/console-e2e"]').waitFor();
    expect(text((await client.getData("/console-e2e")).data)).toBe('{"a":1}');

    // Edit it in the JSON view: invalid JSON cannot be saved; valid JSON is saved with its version.
    await page.getByRole("tab", { name: "json" }).click();
    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("node data", { exact: true }).fill('{"a": 2');
    await expect(page.getByRole("button", { name: "Save" }).isDisabled()).resolves.toBe(true);
    await page.getByLabel("node data", { exact: true }).fill('{"a": 2}');
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("saved: version 1").waitFor();
    expect(text((await client.getData("/console-e2e")).data)).toBe('{"a": 2}');

    // A conflicting edit: another client writes while the editor is open.
    await page.getByRole("button", { name: "Edit" }).click();
    await client.setData("/console-e2e", '{"a": "theirs"}');
    await page.getByLabel("node data", { exact: true }).fill('{"a": "mine"}');
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("someone changed this node").waitFor();
    await page.getByText('now version 2: {"a": "theirs"}').waitFor();
    expect(text((await client.getData("/console-e2e")).data)).toBe('{"a": "theirs"}');
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.locator("pre[data-data]", { hasText: "theirs" }).waitFor();
    await page.locator('[data-stat="mzxid"]', { hasText: /^0x[0-9a-f]+$/ }).waitFor();
    await page.getByRole("tab", { name: "hex" }).click();
    await page.locator("pre[data-data]", { hasText: "00000000  7b 22 61 22" }).waitFor();
    await page.getByRole("tab", { name: "json" }).click();
    await shot("node-view");

    // Delete recursively: the confirmation names the count (the node and 3 descendants).
    await client.create("/console-e2e/a", "");
    await client.create("/console-e2e/a/b", "");
    await client.create("/console-e2e/c", "");
    await page.getByRole("button", { name: "Delete recursively…" }).click();
    await expect(page.locator("[data-confirm-count]").textContent()).resolves.toBe("4");
    await shot("delete-confirm");
    await page.getByRole("button", { name: "Delete 4 nodes" }).click();
    await page.locator('[data-path="/console-e2e"]').waitFor({ state: "detached" });
    expect(await client.exists("/console-e2e")).toBeNull();
  });

  it("shows another client's changes live: a new node in the tree, new data in the open node", async () => {
    await client.create("/live", "one");
    await page.locator('[data-path="/live"]').click();
    await page.locator("pre[data-data]", { hasText: "one" }).waitFor();
    await client.setData("/live", "two");
    await page.locator("pre[data-data]", { hasText: "two" }).waitFor();
    await page.locator('[data-event-path="/live"][data-event-type="NodeDataChanged"]').first().waitFor();
    await page.locator('[data-path="/live"] .twisty').click();
    await client.create("/live/child", "");
    await page.locator('[data-path="/live/child"]').waitFor();
    await shot("live");
  });

  it("pages a long child list, with getAllChildrenNumber, and moves through the tree with the keyboard", async () => {
    await client.create("/many", "");
    await Promise.all(Array.from({ length: 250 }, (_, i) => client.create(`/many/c${String(i).padStart(3, "0")}`, "")));
    await client.create("/many/c000/deeper", "");
    await page.locator('[data-path="/many"]').click();
    await page.keyboard.press("ArrowRight");
    await page.locator('[data-pager-of="/many"]', { hasText: "1–200 of 250" }).waitFor();
    await page.locator('[data-count-of="/many"]', { hasText: "250 / 251" }).waitFor();
    await expect(page.locator('[data-path="/many/c200"]').count()).resolves.toBe(0);
    await page.locator('[data-pager-of="/many"]').getByRole("button", { name: "next page" }).click();
    await page.locator('[data-pager-of="/many"]', { hasText: "201–250 of 250" }).waitFor();
    await page.locator('[data-path="/many/c249"]').waitFor();
    await page.keyboard.press("ArrowDown");
    await page.locator('[data-path="/many/c200"][aria-selected="true"]').waitFor();
    await page.locator('[data-node="/many/c200"]').waitFor();
    await shot("pages");
    await page.locator('[data-path="/many"]').click();
    await page.keyboard.press("ArrowLeft");
    await page.locator('[data-pager-of="/many"]').waitFor({ state: "detached" });
    // Search by path prefix: expands down to /many and shows only the children named c24*.
    await page.getByLabel("search by path prefix").fill("/many/c24");
    await page.locator('[data-path="/many/c245"]').waitFor();
    await expect(page.locator('[data-path^="/many/"]').count()).resolves.toBe(10);
    await page.getByLabel("search by path prefix").fill("");
  });

  it("shows what the session may not read as not readable, and reads it after digest credentials are entered", async () => {
    await client.create("/secret", "the plans");
    await client.create("/secret/kid", "");
    await client.setACL("/secret", [{ perms: Perms.ALL, id: { scheme: "digest", id: digestId("alice", "pw") } }]);
    await page.locator('[data-path="/secret"]').click();
    await page.locator('[data-unreadable="/secret"]', { hasText: "not readable" }).waitFor();
    await page.keyboard.press("ArrowRight");
    await page.locator('[data-note-of="/secret"]', { hasText: "not readable" }).waitFor();
    await shot("not-readable");
    await page.getByLabel("digest user").fill("alice");
    await page.getByLabel("digest password").fill("pw");
    await page.getByRole("button", { name: "Add digest" }).click();
    await page.locator("pre[data-data]", { hasText: "the plans" }).waitFor();
    await page.locator('[data-path="/secret/kid"]').waitFor();
    await expect(page.getByLabel("digest password").inputValue()).resolves.toBe("");
  });

  it("lists a registry instance and drops it after its process is SIGKILLed", async () => {
    service = spawn(process.execPath, [SERVICE, ensemble.connectString(), "hello-e2e"], { stdio: ["ignore", "pipe", "inherit"] });
    await page.getByRole("button", { name: "registry" }).click();
    await page.locator('[data-service="hello"] [data-instance="hello-e2e"]').waitFor();
    await shot("registry");
    service.kill("SIGKILL");
    await page.locator('[data-instance="hello-e2e"]').waitFor({ state: "detached" });
  });

  it("shows every server's role, and a stopped server as down", async () => {
    await page.getByRole("button", { name: "ensemble" }).click();
    await page.locator('tr[data-role="leader"]').waitFor();
    await page.locator('tr[data-role="follower"]').nth(1).waitFor();
    // Sessions and their ephemerals: another client's ephemeral node under its session id.
    await client.create("/eph-e2e", "", { mode: CreateMode.EPHEMERAL });
    await page.locator(`tr[data-session="0x${client.sessionId.toString(16)}"] .ephemerals`, { hasText: "/eph-e2e" }).waitFor();
    // Any admin command, readable: srvr's nested fields as rows.
    await page.getByLabel("command", { exact: true }).selectOption("server_stats");
    await page.locator('table[data-command="server_stats"] tr', { hasText: "server_stats.server_state" }).waitFor();
    await ensemble.kill(3, "SIGKILL");
    await page.locator(`tr[data-admin="${admin(3)}"][data-role="down"]`).waitFor();
    await shot("ensemble");
  });
});
