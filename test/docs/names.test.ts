import { describe, expect, it } from "vitest";
import { leftToRename, renameText } from "../../scripts/rename-units-last.mjs";

describe("names put the unit or the bound word last (scripts/rename-units-last.mjs)", () => {
  it("no tracked file uses an old name (after a merge: node scripts/rename-units-last.mjs)", () => {
    expect(leftToRename()).toEqual([]);
  });

  it("renames identifiers and their mentions in prose", () => {
    const { text } = renameText("cfg.maxInflightProposals < 2; // at most `maxBatchEntries`", "packages/consensus/src/x.ts");
    expect(text).toBe("cfg.inflightProposalsMax < 2; // at most `appendEntriesMax`");
  });

  it("leaves ZooKeeper's key names and longer identifiers alone", () => {
    const source =
      'int(raw, "minSessionTimeout", 2); start({ maxCnxns: "0" }); x.maxInflightProposalsSeen; maxClientCnxns=10; (maxCnxns 5)';
    expect(renameText(source, "packages/server/src/config/config.ts").text).toBe(source);
  });

  it("renames a ServerConfig field spelled like its key where the typed field is meant, not the key", () => {
    const source = 'maxCnxns: number; maxCnxns: int(raw, "maxCnxns", 0), limit(config.maxCnxns); { maxClientCnxns: 60 }';
    expect(renameText(source, "packages/server/src/config/config.ts").text).toBe(
      'connectionsMax: number; connectionsMax: int(raw, "maxCnxns", 0), limit(config.connectionsMax); { connectionsPerAddressMax: 60 }',
    );
  });

  it("renames Ready.snapshotWanted's bound but keeps the functions minZxid() and maxZxid()", () => {
    const { text } = renameText("{ minZxid: z } w.minZxid minZxid(a, b) import { maxZxid, minZxid }", "packages/consensus/src/x.ts");
    expect(text).toBe("{ zxidMin: z } w.zxidMin minZxid(a, b) import { maxZxid, minZxid }");
  });

  it("applies a rename limited to one file only there", () => {
    const source = "private minMs = Infinity;";
    expect(renameText(source, "packages/server/src/admin/request-metrics.ts").text).toBe("private latencyMsMin = Infinity;");
    expect(renameText(source, "packages/server/src/admin/other.ts").text).toBe(source);
  });
});
