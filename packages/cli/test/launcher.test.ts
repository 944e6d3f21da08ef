// bin/warden runs the CLI's bundle (packages/cli/dist/bundle) only while it is at least as new
// as every package's compiled output: after a `tsc --build` without the bundle step, the
// compiled modules run, never a bundle of older code. A copy of the launcher in a scratch tree
// whose two entry points say which one ran.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const LAUNCHER = fileURLToPath(new URL("../../../bin/warden", import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): { root: string; run: () => string; age: (file: string, seconds: number) => void } {
  const root = mkdtempSync(join(tmpdir(), "warden-launcher-"));
  dirs.push(root);
  const all = { "package.json": '{ "type": "module" }', "packages/cli/dist/main.js": 'console.log("dist");', ...files };
  for (const [file, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  mkdirSync(join(root, "bin"));
  copyFileSync(LAUNCHER, join(root, "bin", "warden"));
  const now = Date.now() / 1000;
  return {
    root,
    run: () => execFileSync(process.execPath, [join(root, "bin", "warden")], { encoding: "utf8" }).trim(),
    age: (file, seconds) => utimesSync(join(root, file), now - seconds, now - seconds),
  };
}

describe("bin/warden", () => {
  it("runs the bundle when it is newer than every package's compiled output", () => {
    const t = tree({ "packages/cli/dist/bundle/main.js": 'console.log("bundle");', "packages/server/dist/.tsbuildinfo": "{}" });
    t.age("packages/server/dist/.tsbuildinfo", 60);
    expect(t.run()).toBe("bundle");
  });

  it("runs the compiled modules when a package was compiled after the bundle was made", () => {
    const t = tree({ "packages/cli/dist/bundle/main.js": 'console.log("bundle");', "packages/server/dist/.tsbuildinfo": "{}" });
    t.age("packages/cli/dist/bundle/main.js", 60);
    expect(t.run()).toBe("dist");
  });

  it("runs the compiled modules when there is no bundle", () => {
    expect(tree({ "packages/server/dist/.tsbuildinfo": "{}" }).run()).toBe("dist");
  });
});
