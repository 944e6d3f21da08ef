// The audit log's pieces: ZooKeeper's line format, and the file writer's rotation and bounds.
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateMode, ErrorCode, Perms } from "@warden/protocol";
import { auditEntries, auditLine, usersOf } from "../src/audit/audit-event.js";
import { AuditFile } from "../src/audit/audit-file.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "warden-audit-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const who = {
  sessionId: 0x19344730000n,
  identities: [
    { scheme: "ip", id: "192.168.1.2" },
    { scheme: "digest", id: "ann:hash=" },
  ],
  ip: "192.168.1.2",
};
const STAT = {
  czxid: 1n,
  mzxid: 1n,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 0,
  numChildren: 0,
  pzxid: 1n,
};

describe("audit lines (ZooKeeper's AuditEvent)", () => {
  it("writes session, user, ip, operation, znode, znode_type, result as tab-separated pairs", () => {
    const [entry] = auditEntries({ type: "create", path: "/a", data: null, acl: [], mode: CreateMode.PERSISTENT }, 0, {
      type: "create",
      path: "/a",
      stat: STAT,
    });
    expect(auditLine(Date.UTC(2026, 11, 5, 17, 1, 2, 345), who, entry!)).toBe(
      "2026-12-05T17:01:02.345Z INFO audit: session=0x19344730000\tuser=192.168.1.2,ann\tip=192.168.1.2\toperation=create\tznode=/a\tznode_type=persistent\tresult=success",
    );
  });

  it("logs a failure at ERROR with the requested path, and leaves out the fields without a value", () => {
    const [entry] = auditEntries({ type: "setData", path: "/missing", data: null, version: -1 }, ErrorCode.NO_NODE, undefined);
    expect(auditLine(0, { ...who, identities: [] }, entry!)).toBe(
      "1970-01-01T00:00:00.000Z ERROR audit: session=0x19344730000\tip=192.168.1.2\toperation=setData\tznode=/missing\tresult=failure",
    );
  });

  it("names a sequential node by the path created, and an ACL as scheme:id:perms in ZooKeeper's cdrwa order", () => {
    expect(
      auditEntries({ type: "create", path: "/q-", data: null, acl: [], mode: CreateMode.EPHEMERAL_SEQUENTIAL }, 0, {
        type: "create",
        path: "/q-0000000007",
        stat: STAT,
      }),
    ).toEqual([{ operation: "create", znode: "/q-0000000007", znodeType: "ephemeral_sequential", result: "success" }]);
    const acl = [
      { perms: Perms.ALL, id: { scheme: "world", id: "anyone" } },
      { perms: Perms.READ | Perms.ADMIN, id: { scheme: "ip", id: "10.0.0.0/8" } },
    ];
    expect(auditEntries({ type: "setACL", path: "/a", acl, version: -1 }, 0, { type: "setACL", stat: STAT })).toEqual([
      { operation: "setAcl", znode: "/a", acl: "world:anyone:cdrwa,ip:10.0.0.0/8:ra", result: "success" },
    ]);
  });

  it("gives a successful multi a line per create, delete and setData, a failed one one multiOperation failure", () => {
    const ops = [
      { type: "create" as const, path: "/m", data: null, acl: [], mode: CreateMode.PERSISTENT },
      { type: "check" as const, path: "/m", version: 0 },
      { type: "setData" as const, path: "/m", data: null, version: -1 },
      { type: "delete" as const, path: "/m", version: -1 },
    ];
    const results = [
      { type: "create" as const, path: "/m", stat: STAT },
      { type: "check" as const },
      { type: "setData" as const, stat: STAT },
      { type: "delete" as const },
    ];
    expect(auditEntries({ type: "multi", ops }, 0, { type: "multi", results }).map((e) => `${e.operation} ${e.znode} ${e.result}`)).toEqual(
      ["create /m success", "setData /m success", "delete /m success"],
    );
    expect(auditEntries({ type: "multi", ops }, ErrorCode.NO_NODE, undefined)).toEqual([
      { operation: "multiOperation", result: "failure" },
    ]);
    const failed = [
      { type: "error" as const, err: 0 },
      { type: "error" as const, err: ErrorCode.BAD_VERSION },
      { type: "error" as const, err: ErrorCode.RUNTIME_INCONSISTENCY },
      { type: "error" as const, err: ErrorCode.RUNTIME_INCONSISTENCY },
    ];
    expect(auditEntries({ type: "multi", ops }, 0, { type: "multi", results: failed })).toEqual([
      { operation: "multiOperation", result: "failure" },
    ]);
  });

  it("has no line for reads, and no user field for a session without identities", () => {
    expect(auditEntries({ type: "getData", path: "/a", watch: false }, 0, undefined)).toEqual([]);
    expect(auditEntries({ type: "check", path: "/a", version: 0 }, 0, undefined)).toEqual([]);
    expect(usersOf([])).toBeUndefined();
  });

  it("keeps a tab or line break in a value from breaking the line", () => {
    const line = auditLine(0, who, { operation: "create", znode: "/a\tb\nc", result: "success" });
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toContain("znode=/a b c\t");
  });
});

describe("the audit file", () => {
  const linesOf = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

  it("rotates at fileBytesMax between lines and keeps filesKept rotated files, newest in file.1", async () => {
    const dir = tempDir();
    const file = join(dir, "audit.log");
    const f = new AuditFile({ file, fileBytesMax: 1024, filesKept: 2 }, () => undefined);
    const line = (i: number) => `line ${String(i).padStart(4, "0")} ${"x".repeat(89)}`; // 100 bytes with its newline
    for (let i = 0; i < 55; i++) f.append(line(i));
    await f.close();
    expect(readdirSync(dir).sort()).toEqual(["audit.log", "audit.log.1", "audit.log.2"]);
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(1024);
    // 10 lines per file: the newest 25 lines are kept, in order across the files.
    const kept = [...linesOf(`${file}.2`), ...linesOf(`${file}.1`), ...linesOf(file)];
    expect(kept).toEqual(Array.from({ length: 25 }, (_, k) => line(30 + k)));
    expect(f.written).toBe(55);
    expect(f.dropped).toBe(0);
  });

  it("appends to the file it finds, and rotates it when it is already full", async () => {
    const dir = tempDir();
    const file = join(dir, "audit.log");
    const first = new AuditFile({ file, fileBytesMax: 1024, filesKept: 1 }, () => undefined);
    first.append("a".repeat(1022));
    await first.close();
    const second = new AuditFile({ file, fileBytesMax: 1024, filesKept: 1 }, () => undefined);
    second.append("b");
    await second.close();
    expect(linesOf(`${file}.1`)).toEqual(["a".repeat(1022)]);
    expect(linesOf(file)).toEqual(["b"]);
  });

  it("drops and counts the lines past its queue bound instead of holding them, and says so once", async () => {
    const dir = tempDir();
    const file = join(dir, "audit.log");
    const warnings: string[] = [];
    const f = new AuditFile({ file, fileBytesMax: 1 << 20, filesKept: 1 }, (l) => warnings.push(l), 1000);
    // One turn of the event loop: nothing is written before these are queued.
    for (let i = 0; i < 100; i++) f.append(`${String(i).padStart(3, "0")} ${"y".repeat(95)}`);
    expect(f.dropped).toBe(90);
    await f.close();
    expect(f.written).toBe(10);
    expect(linesOf(file)).toHaveLength(10);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("dropping lines");
  });

  it("counts the lines it cannot write (the path is a directory) and goes on", async () => {
    const dir = tempDir();
    const file = join(dir, "audit.log");
    mkdirSync(file);
    const warnings: string[] = [];
    const f = new AuditFile({ file, fileBytesMax: 1024, filesKept: 1 }, (l) => warnings.push(l));
    f.append("one");
    f.append("two");
    await f.close();
    expect(f.dropped).toBe(2);
    expect(f.written).toBe(0);
    expect(warnings.join("\n")).toContain("writing failed");
  });
});
