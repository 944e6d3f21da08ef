// The interactive shell on a real pseudo-terminal (util-linux `script`): zkCli's prompt,
// tab completion of commands and of znode paths, and history kept across runs.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@warden/client";
import { Terminal, WARDEN, assertBuilt, startRealServer, tempDir, type RealServer } from "./e2e-helpers.js";

let real: RealServer;
const home = tempDir("warden-history-");
const historyFile = join(home.path, "history");
beforeAll(async () => {
  assertBuilt();
  real = await startRealServer();
  const client = createClient(real.connectString);
  await client.create("/alpha", "hello");
  await client.create("/alpha/child");
  await client.close();
});
afterAll(async () => {
  await real?.stop();
  home.remove();
});

const shellOnTerminal = () => new Terminal([process.execPath, WARDEN, "shell", real.connectString], { WARDEN_HISTORY_FILE: historyFile });

describe("warden shell on a terminal", () => {
  it("shows zkCli's prompt, completes a command name and a znode path, and saves the history", async () => {
    const term = shellOnTerminal();
    try {
      await term.waitFor(/\[warden: 127\.0\.0\.1:\d+\(CONNECTED\) 0\] $/);
      term.type("getAllC\t");
      await term.waitFor(/getAllChildrenNumber$/);
      term.type(" /alp\t");
      await term.waitFor(/getAllChildrenNumber \/alpha$/);
      let mark = term.text.length;
      term.type("\r");
      await term.waitFor(/^\n?1\n\[warden: [^\]]*\(CONNECTED\) 1\] $/, mark);
      term.type("get /alpha\r");
      await term.waitFor(/hello\n\[warden: [^\]]*2\] $/);
      mark = term.text.length;
      term.type("quit\r");
      expect(await term.exited()).toBe(0);
    } finally {
      term.kill();
    }
    expect(readFileSync(historyFile, "utf8")).toBe("getAllChildrenNumber /alpha\nget /alpha\nquit\n");
  });

  it("recalls the previous run's commands with the up arrow", async () => {
    writeFileSync(historyFile, "ls /\nget /alpha\nquit\n");
    const term = shellOnTerminal();
    try {
      await term.waitFor(/\(CONNECTED\) 0\] $/);
      term.type("\x1b[A\x1b[A");
      await term.waitFor(/get \/alpha$/);
      term.type("\r");
      await term.waitFor(/hello\n\[warden: [^\]]*1\] $/);
      term.type("\x04");
      expect(await term.exited()).toBe(0);
    } finally {
      term.kill();
    }
    expect(readFileSync(historyFile, "utf8")).toBe("ls /\nget /alpha\nquit\nget /alpha\n");
  });

  it("prints a watch event above the prompt and redraws it", async () => {
    const term = shellOnTerminal();
    try {
      await term.waitFor(/\(CONNECTED\) 0\] $/);
      term.type("get -w /alpha\r");
      await term.waitFor(/hello\n\[warden: [^\]]*1\] $/);
      const client = createClient(real.connectString);
      await client.setData("/alpha", "changed");
      await client.close();
      await term.waitFor(/WATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:\/alpha\n\[warden: [^\]]*1\] $/);
      term.type("quit\r");
      expect(await term.exited()).toBe(0);
    } finally {
      term.kill();
    }
  });
});
