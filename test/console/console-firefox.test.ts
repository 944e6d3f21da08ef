// The web console end to end in Firefox: Debian's firefox-esr (/usr/bin/firefox-esr) driven by
// puppeteer-core over WebDriver BiDi (stock Firefox speaks it; no browser download), against
// the same three-process ensemble as the Chromium test (setup.ts). Through the UI it browses to
// a node, creates one (checked with the client library), edits it, sees another client's change
// arrive, deletes it, and sees a stopped server shown as down. Every step waits on DOM state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import type { Client } from "@warden/client";
import { ARTIFACTS, UI_TIMEOUT_MS, browserPresent, startConsoleEnsemble, text, type ConsoleEnsemble } from "./setup.js";

const FIREFOX = "/usr/bin/firefox-esr";
/** An XPath string literal for `s` (no quote characters in what these tests look for). */
const button = (name: string) => `::-p-xpath(//button[normalize-space()="${name}"])`;

describe.skipIf(!browserPresent("Firefox", FIREFOX, "firefox-esr"))("the web console in headless Firefox (WebDriver BiDi)", () => {
  let setup: ConsoleEnsemble;
  let browser: Browser;
  let page: Page;
  let client: Client;
  /** What the page reported as errors: a CSP violation in the console's own bundle must not be among them. */
  const pageErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}firefox-${name}.png` });
  /** Waits until `selector` matches an element whose text contains `needle`. */
  const waitText = (selector: string, needle: string) =>
    page.waitForFunction((s, n) => [...document.querySelectorAll(s)].some((e) => (e.textContent ?? "").includes(n)), {}, selector, needle);
  const fill = (label: string, value: string) => page.locator(`[aria-label="${label}"]`).fill(value);

  beforeAll(async () => {
    setup = await startConsoleEnsemble();
    client = setup.client;
    browser = await puppeteer.launch({
      browser: "firefox",
      executablePath: FIREFOX,
      headless: true,
      defaultViewport: { width: 1400, height: 860 },
    });
    page = await browser.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on("pageerror", (e) => {
      const message = e instanceof Error ? e.message : String(e);
      pageErrors.push(message);
      console.error(`console page error (firefox): ${message}`);
    });
    page.on("console", (m) => m.type() === "error" && console.error(`console page (firefox): ${m.text()}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await setup?.stop();
  });

  it("browses to a node, creates, edits and deletes one, checked with the client library", async () => {
    await client.create("/ff-browse", "browsed in firefox");
    const served = await page.goto(setup.consoleUrl());
    expect(served?.status(), "is the console built? npm run build").toBe(200);
    await page.waitForSelector('[data-state="connected"]');
    await page.locator('[data-path="/ff-browse"]').click();
    await page.waitForSelector('[data-node="/ff-browse"]');
    await waitText("pre[data-data]", "browsed in firefox");

    // Create under the root through the form.
    await page.locator('[data-path="/"]').click();
    await fill("new node name", "ff-e2e");
    await fill("new node data", '{"a":1}');
    await page.locator(button("Create")).click();
    await page.waitForSelector('[data-node="/ff-e2e"]');
    expect(text((await client.getData("/ff-e2e")).data)).toBe('{"a":1}');

    // Edit in the JSON view: invalid JSON disables Save; valid JSON is saved with its version.
    await page.locator('[role="tab"]::-p-text(json)').click();
    await page.locator(button("Edit")).click();
    await fill("node data", '{"a": 2');
    await page.waitForSelector(`${button("Save")}`);
    await page.waitForFunction(() => [...document.querySelectorAll("button")].some((b) => b.textContent === "Save" && b.disabled));
    await fill("node data", '{"a": 2}');
    await page.waitForFunction(() => [...document.querySelectorAll("button")].some((b) => b.textContent === "Save" && !b.disabled));
    await page.locator(button("Save")).click();
    await waitText(".node", "saved: version 1");
    expect(text((await client.getData("/ff-e2e")).data)).toBe('{"a": 2}');

    // Another client's change arrives live in the open node, and in the event log.
    await client.setData("/ff-e2e", '{"a": "theirs"}');
    await waitText("pre[data-data]", "theirs");
    await page.waitForSelector('[data-event-path="/ff-e2e"][data-event-type="NodeDataChanged"]');
    await shot("node-view");

    // Delete (recursively: the confirmation names the count, here the node and one child).
    await client.create("/ff-e2e/kid", "");
    await page.locator(button("Delete recursively…")).click();
    await waitText("[data-confirm-count]", "2");
    await page.locator(button("Delete 2 nodes")).click();
    await page.waitForSelector('[data-path="/ff-e2e"]', { hidden: true });
    expect(await client.exists("/ff-e2e")).toBeNull();
    // The page's CSP allows no eval; nothing in the bundle may try one (cbor-x's eval probe did,
    // which Firefox reports on every load): the bundle uses cbor-x's no-eval build.
    expect(pageErrors.filter((m) => m.includes("Content-Security-Policy"))).toEqual([]);
  });

  it("moves through the tree with the keyboard, pages a long child list, and shows the hex view", async () => {
    await client.create("/ff-many", "");
    await Promise.all(Array.from({ length: 205 }, (_, i) => client.create(`/ff-many/c${String(i).padStart(3, "0")}`, "")));
    await page.locator('[data-path="/ff-many"]').click();
    await page.keyboard.press("ArrowRight");
    await waitText('[data-pager-of="/ff-many"]', "1–200 of 205");
    await page.keyboard.press("ArrowDown");
    await page.waitForSelector('[data-path="/ff-many/c000"][aria-selected="true"]');
    await page.waitForSelector('[data-node="/ff-many/c000"]');
    await page.locator(`[data-pager-of="/ff-many"] [aria-label="next page"]`).click();
    await page.waitForSelector('[data-path="/ff-many/c204"]');
    await page.locator('[data-path="/ff-many"]').click();
    await page.keyboard.press("ArrowLeft");
    await page.waitForSelector('[data-pager-of="/ff-many"]', { hidden: true });
    await client.create("/ff-hex", '{"a"');
    await page.locator('[data-path="/ff-hex"]').click();
    await page.locator('[role="tab"]::-p-text(hex)').click();
    await waitText("pre[data-data]", "00000000  7b 22 61 22");
    await page.locator('[role="tab"]::-p-text(text)').click();
  });

  it("shows a stopped server as down", async () => {
    await page.locator(button("ensemble")).click();
    await page.waitForSelector('tr[data-role="leader"]');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-role="follower"]').length === 2);
    // A <select> drives the admin command shown (its change event in Firefox).
    await page.locator('select[aria-label="command"]').wait();
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLOptionElement>('select[aria-label="command"] option')].some((o) => o.value === "server_stats"),
    );
    await page.select('select[aria-label="command"]', "server_stats");
    await waitText('table[data-command="server_stats"] tr', "server_stats.server_state");
    await setup.ensemble.kill(3, "SIGKILL");
    await page.waitForSelector(`tr[data-admin="${setup.admin(3)}"][data-role="down"]`);
    await shot("ensemble");
  });
});
