// The server.N lines a configuration entry carries (hostData), and the configuration a server
// reads back from an entry: the lines when they name exactly its members, else what it knew.
import { describe, expect, it } from "vitest";
import { parseDynamicConfig } from "@warden/protocol";
import { dynamicOf, hostDataOf } from "../src/reconfig/integration.js";

const known = parseDynamicConfig(
  "server.1=a:1:2:participant;a:3\nserver.2=b:1:2:participant;b:3\nserver.3=c:1:2:participant;c:3\nversion=0",
);

describe("a configuration entry's server lines", () => {
  it("round-trip: the lines of the new members, versioned with the entry's zxid", () => {
    const next = parseDynamicConfig("server.1=a:1:2:participant;a:3\nserver.4=d:5:6:observer;d:7");
    const m = { version: 0x10000000an, voters: [1], observers: [4], hostData: hostDataOf(next.servers) };
    expect(new TextDecoder().decode(m.hostData)).toBe("server.1=a:1:2:participant;a:3\nserver.4=d:5:6:observer;d:7\n");
    expect(dynamicOf(m, known)).toEqual({ servers: next.servers, version: 0x10000000an });
  });

  it("lines that do not name exactly the members (or none, the initial configuration) give way to the known addresses", () => {
    const wrongRole = {
      version: 5n,
      voters: [1, 2],
      observers: [],
      hostData: hostDataOf(parseDynamicConfig("server.1=a:1:2:participant\nserver.2=b:1:2:observer").servers),
    };
    expect(dynamicOf(wrongRole, known).servers.map((s) => [s.id, s.host, s.type])).toEqual([
      [1, "a", "participant"],
      [2, "b", "participant"],
    ]);
    expect(dynamicOf({ version: 0n, voters: [1, 2], observers: [3] }, known).servers.map((s) => [s.id, s.type])).toEqual([
      [1, "participant"],
      [2, "participant"],
      [3, "observer"],
    ]);
    const garbage = { version: 6n, voters: [1], observers: [], hostData: new TextEncoder().encode("server.x=???") };
    expect(dynamicOf(garbage, known).servers.map((s) => s.id)).toEqual([1]);
  });
});
