// Tab completion (against the fixture server) and the history file's bounds.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { complete, COMPLETIONS_MAX } from "../src/shell/completion.js";
import { HISTORY_LINES_MAX, historyFilePath, loadHistory, saveHistory } from "../src/shell/history-file.js";
import { startHarness, type Harness } from "./shell-helpers.js";
import { tempDir } from "./e2e-helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  for (const p of ["/app", "/app/config", "/app/cache", "/apple", "/b"]) await h.run(`create ${p}`);
});
afterEach(async () => {
  await h.stop();
});

const source = () => ({ commandNames: h.shell.commands.map((c) => c.name), client: () => h.shell.currentClient });

describe("tab completion", () => {
  it("completes command names in the first word", async () => {
    expect(await complete(source(), "get")).toEqual([["get", "getAcl", "getAllChildrenNumber", "getEphemerals"], "get"]);
    expect(await complete(source(), "  del")).toEqual([["delete", "deleteall", "delquota"], "del"]);
    expect((await complete(source(), ""))[0]).toContain("removewatches");
  });
  it("completes znode paths from the server's children of the typed parent", async () => {
    expect(await complete(source(), "ls /ap")).toEqual([["/app", "/apple"], "/ap"]);
    expect(await complete(source(), "get -s /app/c")).toEqual([["/app/cache", "/app/config"], "/app/c"]);
    expect(await complete(source(), "ls /app/")).toEqual([["/app/cache", "/app/config"], "/app/"]);
    expect(await complete(source(), "ls /")).toEqual([["/app", "/apple", "/b"], "/"]);
  });
  it("offers nothing for other words, missing parents, or without a connection", async () => {
    expect(await complete(source(), "set /b da")).toEqual([[], "da"]);
    expect(await complete(source(), "ls /nope/x")).toEqual([[], "/nope/x"]);
    await h.shell.close();
    expect(await complete(source(), "ls /ap")).toEqual([[], "/ap"]);
  });
  it("offers at most COMPLETIONS_MAX paths", async () => {
    const many = Array.from({ length: COMPLETIONS_MAX + 1 }, (_, i) => `/many/n${i}`);
    await h.run("create /many");
    await Promise.all(many.map(async (p) => (await h.shell.client()).create(p)));
    expect((await complete(source(), "ls /many/n"))[0]).toHaveLength(COMPLETIONS_MAX);
  });
});

describe("the history file", () => {
  const dir = tempDir("warden-history-");
  const file = join(dir.path, "h");
  afterAll(() => dir.remove());
  it("is $WARDEN_HISTORY_FILE when set, else ~/.warden_history", () => {
    expect(historyFilePath({ WARDEN_HISTORY_FILE: "/x/h" })).toBe("/x/h");
    expect(historyFilePath({})).toMatch(/\/\.warden_history$/);
  });
  it("stores oldest first and loads newest first, as readline wants", () => {
    saveHistory(file, ["c", "b", "a"]);
    expect(readFileSync(file, "utf8")).toBe("a\nb\nc\n");
    expect(loadHistory(file)).toEqual(["c", "b", "a"]);
  });
  it("keeps at most HISTORY_LINES_MAX lines, the newest", () => {
    const lines = Array.from({ length: HISTORY_LINES_MAX + 1 }, (_, i) => `ls /${i}`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const loaded = loadHistory(file);
    expect(loaded).toHaveLength(HISTORY_LINES_MAX);
    expect(loaded[0]).toBe(`ls /${HISTORY_LINES_MAX}`);
    saveHistory(file, [...lines].reverse());
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toHaveLength(HISTORY_LINES_MAX);
  });
  it("loads nothing from a missing file", () => {
    expect(loadHistory(join(dir.path, "absent"))).toEqual([]);
  });
});
