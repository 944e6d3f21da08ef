import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BadVersionError,
  ClientClosedError,
  ConnectionLossError,
  ErrorCode,
  NoNodeError,
  QuotaPathError,
  WardenError,
  WatchOverflowError,
  errorFromCode,
} from "@warden/client";
import { ConsensusConfigError, ConsensusInvariantError, PeerMessageRefusedError } from "@warden/consensus";
import { DecodeError } from "@warden/protocol";
import { AcquireTimeoutError, RecipeError } from "@warden/recipes";
import { ConfigError } from "@warden/server";
import { StorageError, StorageErrorReason } from "@warden/storage";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { UsageError } from "../packages/cli/src/shell/tokenize.js";
import { DerError } from "../packages/server/src/net/der.js";
import { Pkcs12Error } from "../packages/server/src/net/pkcs12.js";
import { TlsStoreError } from "../packages/server/src/net/tls-context.js";
import { PeerFrameError } from "../packages/server/src/peer/frames.js";
import { ROOT, readWorkspace } from "./architecture/workspace.js";
import { CODE_PATTERN, README, errorCodesTable, normalized, ownCodes, withTable } from "./errors/table.js";

describe("every error has one base and one stable code", () => {
  it("a ZooKeeper error carries WARDEN_ERR_ and ZooKeeper's name as code, and its number as zkCode", () => {
    const e = new NoNodeError(undefined, "/a");
    expect(e).toBeInstanceOf(WardenError);
    expect(e).toMatchObject({ name: "NoNodeError", code: "WARDEN_ERR_NO_NODE", zkCode: -101, path: "/a", message: "NO_NODE: /a" });
    expect(new BadVersionError()).toMatchObject({ code: "WARDEN_ERR_BAD_VERSION", zkCode: ErrorCode.BAD_VERSION });
    for (const zkCode of Object.values(ErrorCode).filter((n) => n !== ErrorCode.OK)) {
      const error = errorFromCode(zkCode);
      expect(error.zkCode).toBe(zkCode);
      expect(error.code).toMatch(CODE_PATTERN);
    }
    expect(errorFromCode(-999)).toMatchObject({ code: "WARDEN_ERR_UNKNOWN", zkCode: -999 });
  });

  it("errors of every package are WardenErrors with a WARDEN_ERR_ code, and keep their own classes", () => {
    const cases: Array<[Error, string, number | undefined]> = [
      [new ClientClosedError(), "WARDEN_ERR_CLIENT_CLOSED", ErrorCode.CONNECTION_LOSS],
      [new WatchOverflowError(10, "/w"), "WARDEN_ERR_WATCH_OVERFLOW", ErrorCode.API_ERROR],
      [new QuotaPathError("bad"), "WARDEN_ERR_QUOTA_PATH", undefined],
      [new DecodeError("WARDEN_ERR_FRAME_TOO_LARGE", "big"), "WARDEN_ERR_FRAME_TOO_LARGE", ErrorCode.MARSHALLING_ERROR],
      [new ConsensusConfigError("WARDEN_ERR_CONFIG_TICKS", "ticks"), "WARDEN_ERR_CONFIG_TICKS", ErrorCode.BAD_ARGUMENTS],
      [new ConsensusInvariantError("x"), "WARDEN_ERR_CONSENSUS_INVARIANT", ErrorCode.RUNTIME_INCONSISTENCY],
      [new PeerMessageRefusedError(2, "x"), "WARDEN_ERR_PEER_MESSAGE_REFUSED", ErrorCode.RUNTIME_INCONSISTENCY],
      [new StorageError(StorageErrorReason.LOCKED, "held"), "WARDEN_ERR_STORAGE_LOCKED", ErrorCode.SYSTEM_ERROR],
      [new AcquireTimeoutError("/lock", 5), "WARDEN_ERR_ACQUIRE_TIMEOUT", undefined],
      [new ConfigError("bad"), "WARDEN_ERR_CONFIG", undefined],
      [new DerError("bad"), "WARDEN_ERR_DER", undefined],
      [new Pkcs12Error("bad"), "WARDEN_ERR_PKCS12", undefined],
      [new TlsStoreError("bad"), "WARDEN_ERR_TLS_STORE", undefined],
      [new PeerFrameError("WARDEN_ERR_PEER_FRAME_TOO_LARGE", "big"), "WARDEN_ERR_PEER_FRAME_TOO_LARGE", undefined],
      [new UsageError("usage"), "WARDEN_ERR_USAGE", undefined],
    ];
    for (const [error, code, zkCode] of cases) {
      expect(error, code).toBeInstanceOf(WardenError);
      expect(error, code).toMatchObject({ code, zkCode });
      expect(error.name, code).toBe(error.constructor.name);
    }
    expect(new ClientClosedError()).toBeInstanceOf(ConnectionLossError);
    expect(new Pkcs12Error("bad")).toBeInstanceOf(DerError);
    expect(new AcquireTimeoutError("/lock", 5)).toBeInstanceOf(RecipeError);
    expect(new StorageError(StorageErrorReason.LOCKED, "held", { cause: new Error("inner") }).cause).toEqual(new Error("inner"));
  });

  it("no class in packages/*/src extends Error but WardenError itself", () => {
    const offenders: string[] = [];
    for (const pkg of readWorkspace()) {
      for (const file of pkg.files) {
        const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true);
        const visit = (node: ts.Node): void => {
          if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
            const base = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression.getText(source);
            const name = node.name?.text ?? "(anonymous)";
            if (base !== undefined && /^(Error|TypeError|RangeError|SyntaxError|AggregateError)$/.test(base) && name !== "WardenError") {
              offenders.push(
                `${file.path}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: class ${name} extends ${base}`,
              );
            }
          }
          ts.forEachChild(node, visit);
        };
        visit(source);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("every WARDEN_ERR_ code in the sources is upper-case words", () => {
    expect([...ownCodes().keys()].filter((code) => !CODE_PATTERN.test(code))).toEqual([]);
  });

  it("packages/client/README.md's table of codes is the one the code gives (npm run docs:errors rewrites it)", () => {
    const readme = readFileSync(README, "utf8");
    const expected = withTable(readme, errorCodesTable());
    if (process.env.WARDEN_WRITE_DOCS === "1" && normalized(readme) !== normalized(expected)) writeFileSync(README, expected);
    const message = `run npm run docs:errors to update ${join("packages", "client", "README.md")} (${ROOT})`;
    expect(normalized(readFileSync(README, "utf8")), message).toBe(normalized(expected));
  });
});
