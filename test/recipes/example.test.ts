// Runs examples/registry/demo.mjs (against the built packages) and checks its story:
// both instances are called round robin; after hello-2 is SIGKILLed, the caller stops
// calling it once the checker or its session's expiry takes it out of discovery.
import { expect, it } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const DEMO = fileURLToPath(new URL("../../examples/registry/demo.mjs", import.meta.url));

it("the registry example: round robin over two instances, and the killed one stops being called", async () => {
  const output = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [DEMO], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  const lines = output.split("\n");
  const killed = lines.indexOf("[demo] killing hello-2 with SIGKILL");
  const before = lines.slice(0, killed);
  expect(before.filter((l) => l.includes("called hello-1")).length).toBeGreaterThan(2);
  expect(before.filter((l) => l.includes("called hello-2")).length).toBeGreaterThan(2);
  const gone = lines.findIndex((l, i) => i > killed && l === "[caller] instances: hello-1");
  expect(gone).toBeGreaterThan(killed);
  const after = lines.slice(gone);
  // The call that was in flight when discovery dropped hello-2 may still report its failure,
  // before the next call; no call to hello-2 starts after that.
  const late = after.filter((l) => l.includes("hello-2") && l.startsWith("[caller]"));
  expect(late.length).toBeLessThanOrEqual(1);
  if (late.length === 1) {
    expect(late[0]).toMatch(/^\[caller\] call to hello-2 failed/);
    expect(after.indexOf(late[0]!)).toBeLessThan(after.findIndex((l) => l.includes("called hello-1")));
  }
  expect(after.filter((l) => l.includes("called hello-1")).length).toBeGreaterThan(5);
  expect(lines).toContain("[demo] done");
}, 40_000);
