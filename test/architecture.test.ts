import { describe, expect, it } from "vitest";
import { type Arrows, type PackageFacts, checkArrows, checkPackages, importsOf } from "./architecture/check.js";
import { readArrows, readWorkspace } from "./architecture/workspace.js";

describe("the workspace keeps the arrows of packages/arrows.json", () => {
  it("every package is in arrows.json and every arrows.json entry is a package", () => {
    const names = readWorkspace()
      .map((p) => p.name)
      .sort();
    expect(Object.keys(readArrows().packages).sort()).toEqual(names);
  });

  it("no package.json, tsconfig.json or import in packages/*/src breaks an arrow", () => {
    expect(checkPackages(readArrows(), readWorkspace())).toEqual([]);
  });
});

const arrows: Arrows = {
  packages: {
    protocol: { may: [], builtins: "forbidden" },
    consensus: { may: ["protocol"], builtins: "forbidden" },
    server: { may: ["protocol", "consensus"], builtins: "allowed" },
    client: { may: ["protocol"], builtins: "forbidden" },
  },
};

const pkg = (name: string, dependencies: string[], files: Record<string, string>, references?: string[]): PackageFacts => ({
  name,
  dependencies,
  references: references ?? dependencies.filter((d) => d.startsWith("@warden/")).map((d) => d.slice("@warden/".length)),
  files: Object.entries(files).map(([path, text]) => ({ path: `packages/${name}/src/${path}`, text })),
});

const clean = () => [
  pkg("protocol", ["cbor-x"], { "index.ts": 'import { encode } from "cbor-x";\nexport const x = encode;\n' }),
  pkg("consensus", ["@warden/protocol"], { "index.ts": 'export { x } from "@warden/protocol";\n' }),
  pkg("server", ["@warden/protocol", "@warden/consensus"], {
    "index.ts":
      'import { createServer } from "node:net";\nimport * as c from "@warden/consensus";\nimport type { x } from "@warden/protocol";\n',
  }),
  pkg("client", ["@warden/protocol"], { "index.ts": 'export * from "@warden/protocol";\n' }),
];

describe("test-only internals sit behind /internal entry points", () => {
  it("@warden/server and @warden/consensus leave them to @warden/server/internal and @warden/consensus/internal", async () => {
    const [server, serverInternal] = await Promise.all([import("@warden/server"), import("@warden/server/internal")]);
    for (const name of ["WardenNode", "encodeRecord", "decodeRecord"]) {
      expect(server, name).not.toHaveProperty(name);
      expect(serverInternal, name).toHaveProperty(name);
    }
    const [consensus, consensusInternal] = await Promise.all([import("@warden/consensus"), import("@warden/consensus/internal")]);
    for (const name of ["formatMessage", "formatEntries", "formatMembership", "shortZxid", "messageBytesBound"]) {
      expect(consensus, name).not.toHaveProperty(name);
      expect(consensusInternal, name).toHaveProperty(name);
    }
  });
});

describe("the arrows checker", () => {
  it("finds nothing wrong in a package set that keeps its arrows", () => {
    expect(checkPackages(arrows, clean())).toEqual([]);
  });

  it("names the file, line and import of an arrow that is not allowed", () => {
    const set = clean();
    set[3] = pkg("client", ["@warden/protocol", "@warden/server"], {
      "index.ts": 'export * from "@warden/protocol";\nimport { startServer } from "@warden/server";\n',
    });
    expect(checkPackages(arrows, set)).toEqual([
      'packages/client/src/index.ts:2: imports "@warden/server": arrow client -> server is not allowed by packages/arrows.json',
      "packages/client/package.json: dependency @warden/server: arrow client -> server is not allowed by packages/arrows.json",
      "packages/client/tsconfig.json: depends on @warden/consensus through its imports but has no reference to ../consensus",
    ]);
  });

  it("catches a workspace import the package.json does not declare, also through a dynamic import or a subpath", () => {
    const set = clean();
    set[2] = pkg(
      "server",
      ["@warden/protocol"],
      {
        "index.ts": 'import type { x } from "@warden/protocol";\nconst m = await import("@warden/consensus/node");\n',
      },
      ["protocol", "consensus"],
    );
    expect(checkPackages(arrows, set)).toEqual([
      'packages/server/src/index.ts:2: dynamic imports "@warden/consensus/node": @warden/consensus is not declared in packages/server/package.json',
    ]);
  });

  it("lets only a package marked 'internals' import an /internal entry point", () => {
    const set = clean();
    set[2] = pkg("server", ["@warden/protocol", "@warden/consensus"], {
      "index.ts": 'import { x } from "@warden/protocol";\nimport { formatMessage } from "@warden/consensus/internal";\n',
    });
    expect(checkPackages(arrows, set)).toEqual([
      'packages/server/src/index.ts:2: imports "@warden/consensus/internal": only tests and @warden/testing may import an /internal entry point',
    ]);
    const withInternals: Arrows = {
      packages: { ...arrows.packages, server: { may: ["protocol", "consensus"], builtins: "allowed", internals: true } },
    };
    expect(checkPackages(withInternals, set)).toEqual([]);
  });

  it("catches a declared dependency that no source imports", () => {
    const set = clean();
    set[1] = pkg("consensus", ["@warden/protocol", "cbor-x"], { "index.ts": 'export { x } from "@warden/protocol";\n' });
    expect(checkPackages(arrows, set)).toEqual([
      "packages/consensus/package.json: dependency cbor-x is declared but never imported by src/",
    ]);
  });

  it("catches Node built-ins in a pure package, with or without the node: prefix", () => {
    const set = clean();
    set[1] = pkg("consensus", ["@warden/protocol"], {
      "index.ts": 'export { x } from "@warden/protocol";\n',
      "timer.ts": 'import { setTimeout } from "node:timers/promises";\nimport * as fs from "fs";\n',
    });
    expect(checkPackages(arrows, set)).toEqual([
      'packages/consensus/src/timer.ts:1: imports "node:timers/promises": consensus may not use Node built-ins',
      'packages/consensus/src/timer.ts:2: imports "fs": consensus may not use Node built-ins',
    ]);
  });

  it("catches a tsconfig.json whose references do not match the imports", () => {
    const set = clean();
    set[2] = { ...(set[2] as PackageFacts), references: ["protocol"] };
    expect(checkPackages(arrows, set)).toEqual([
      "packages/server/tsconfig.json: imports @warden/consensus but has no reference to ../consensus",
    ]);
  });

  it("refuses arrows that form a cycle or name no package", () => {
    const cyclic: Arrows = {
      packages: { a: { may: ["b"], builtins: "allowed" }, b: { may: ["a", "c"], builtins: "allowed" } },
    };
    expect(checkArrows(cyclic)).toEqual(["arrows: b -> c: no such package", "arrows: cycle a -> b -> a"]);
  });

  it("reads imports across lines and ignores those in comments and strings", () => {
    const text = [
      "import {",
      "  a,",
      '} from "one";',
      '// import { b } from "commented";',
      '/* await import("commented-too") */',
      'const s = "import x from \\"in-a-string\\"";',
      'export * as ns from "two";',
      'const r = createRequire(import.meta.url).resolve("three/package.json");',
      'const p = path.resolve("not-a-package");',
    ].join("\n");
    expect(importsOf(text).map((s) => `${s.line} ${s.kind} ${s.specifier}`)).toEqual([
      "3 static one",
      "7 static two",
      "8 resolve three/package.json",
    ]);
  });
});
