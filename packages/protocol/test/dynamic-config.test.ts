// ZooKeeper's dynamic configuration text. The expected strings were produced by ZooKeeper's
// own classes (QuorumServer.toString, QuorumMaj(Properties).toString and
// ConfigUtils.getClientConfigStr of Debian's zookeeper jar, whose code for these is 3.9's).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BadArgumentsError,
  clientConfigString,
  formatDynamicConfig,
  formatServerSpec,
  formatVersionHex,
  javaHostString,
  parseDynamicConfig,
  parseServerSpec,
  parseVersionHex,
  type DynamicConfig,
  type QuorumServerSpec,
} from "@warden/protocol";

describe("a server line reads and prints as ZooKeeper's QuorumServer", () => {
  const printed: Array<[string, string]> = [
    ["127.0.0.1:2888:3888", "127.0.0.1:2888:3888:participant"],
    ["localhost:2888:3888:observer", "localhost:2888:3888:observer"],
    ["[::1]:2888:3888;2181", "[0:0:0:0:0:0:0:1]:2888:3888:participant;0.0.0.0:2181"],
    ["[fe80::1]:1:2:Participant;[::1]:2181", "[fe80:0:0:0:0:0:0:1]:1:2:participant;[0:0:0:0:0:0:0:1]:2181"],
    ["h:1:2;h2:3", "h:1:2:participant;h2:3"],
    ["h:1:2;", "h:1:2:participant"],
    ["h:1:2;;", "h:1:2:participant"],
    ["[::ffff:10.0.0.1]:1:2", "10.0.0.1:1:2:participant"],
    ["10.0.0.1:+5:06;+7", "10.0.0.1:5:6:participant;0.0.0.0:7"],
  ];
  it.each(printed)("%s prints as %s", (value, expected) => {
    expect(formatServerSpec(parseServerSpec(1, value))).toBe(expected);
  });

  const WRONG =
    " does not have the form server_config or server_config;client_config where server_config is the pipe separated list of host:port:port or host:port:port:type and client_config is port or host:port";
  const refused: Array<[string, string]> = [
    ["h:1:1", "Client and election port must be different! Please update the configuration file on server.1"],
    ["h:1", `h:1${WRONG}`],
    ["h:x:2", "Address unresolved: h:x"],
    ["h:1:2:foo", "Unrecognised peertype: foo"],
    ["h:1:2;a:b:c", `h:1:2;a:b:c${WRONG}`],
    ["h:1:2;x", "Address unresolved: null:x"],
    ["h:1:2;1;2", `h:1:2;1;2${WRONG}`],
    ["[::1:1:2", "[::1:1:2 starts with '[' but has no matching ']:'"],
    ["[::1]:", "[::1]: doesn't have a port after colon"],
    ["a|b", "Multiple address feature is disabled, but multiple addresses were specified for sid 1"],
    ["h:70000:2", "Address unresolved: h:70000"],
  ];
  it.each(refused)("%s is refused: %s", (value, message) => {
    expect(() => parseServerSpec(1, value)).toThrow(BadArgumentsError);
    expect(() => parseServerSpec(1, value)).toThrow(message);
  });

  it("a port-only client part means 0.0.0.0, kept apart from no client part", () => {
    expect(parseServerSpec(2, "h:1:2;2181").client).toEqual({ host: "0.0.0.0", port: 2181 });
    expect(parseServerSpec(2, "h:1:2").client).toBeUndefined();
  });

  it("Java's host strings: IPv6 in full form, IPv4-mapped as IPv4, names and IPv4 as given", () => {
    expect(javaHostString("::")).toBe("0:0:0:0:0:0:0:0");
    expect(javaHostString("2001:db8::ff00:42:8329")).toBe("2001:db8:0:0:0:ff00:42:8329");
    expect(javaHostString("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(javaHostString("zk1.example.com")).toBe("zk1.example.com");
  });
});

describe("a configuration reads and prints as ZooKeeper's QuorumMaj", () => {
  const cases: Array<[string, string, string]> = [
    [
      "server.1=127.0.0.1:2888:3888;2181\nserver.2=127.0.0.1:2889:3889;2182\nserver.3=127.0.0.1:2890:3890;2183\nversion=100000000",
      "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\nserver.2=127.0.0.1:2889:3889:participant;0.0.0.0:2182\nserver.3=127.0.0.1:2890:3890:participant;0.0.0.0:2183\nversion=100000000",
      "100000000 0.0.0.0:2182,0.0.0.0:2181,0.0.0.0:2183",
    ],
    [
      "server.3=a:1:2\nserver.1=b:1:2;2181\nserver.2=c:1:2:observer;c:2182\n",
      "server.1=b:1:2:participant;0.0.0.0:2181\nserver.2=c:1:2:observer;c:2182\nserver.3=a:1:2:participant\nversion=0",
      " c:2182,0.0.0.0:2181,",
    ],
    [
      "server.17=a:1:2;1\nserver.1=b:1:2;2\nserver.33=c:1:2;3\nserver.16=d:1:2;4\nversion=1f",
      "server.16=d:1:2:participant;0.0.0.0:4\nserver.33=c:1:2:participant;0.0.0.0:3\nserver.1=b:1:2:participant;0.0.0.0:2\nserver.17=a:1:2:participant;0.0.0.0:1\nversion=1f",
      "1f 0.0.0.0:3,0.0.0.0:2,0.0.0.0:4,0.0.0.0:1",
    ],
  ];
  it.each(cases)("%#: QuorumMaj.toString and zkCli's config -c", (text, printed, client) => {
    expect(formatDynamicConfig(parseDynamicConfig(text))).toBe(printed);
    expect(clientConfigString(text)).toBe(client);
  });

  it("20 servers: ascending lines, and config -c in the order of Java's Properties after its resize", () => {
    const text = `${Array.from({ length: 20 }, (_, i) => `server.${i + 1}=h${i + 1}:1:2;${2001 + i}\n`).join("")}version=abc`;
    expect(formatDynamicConfig(parseDynamicConfig(text))).toBe(
      `${Array.from({ length: 20 }, (_, i) => `server.${i + 1}=h${i + 1}:1:2:participant;0.0.0.0:${2001 + i}\n`).join("")}version=abc`,
    );
    const order = [18, 19, 16, 17, 10, 11, 20, 2, 14, 1, 15, 12, 13, 6, 5, 4, 3, 9, 8, 7];
    expect(clientConfigString(text)).toBe(`abc ${order.map((n) => `0.0.0.0:${2000 + n}`).join(",")}`);
  });

  it("only server.N and version are allowed, as parseDynamicConfig outside backward-compatibility mode", () => {
    expect(() => parseDynamicConfig("server.1=h:1:2\ntickTime=2000")).toThrow("Unrecognised parameter: tickTime");
    expect(() => parseDynamicConfig("version=xyz")).toThrow(BadArgumentsError);
    expect(() => parseDynamicConfig("server.x=h:1:2")).toThrow(BadArgumentsError);
    expect(() => parseDynamicConfig("group.1=1:2:3")).toThrow(/hierarchical/);
  });

  it("versions are Long.parseLong(…, 16) and Long.toHexString", () => {
    expect(parseVersionHex("100000000")).toBe(0x100000000n);
    expect(parseVersionHex("-1")).toBe(-1n);
    expect(formatVersionHex(-1n)).toBe("ffffffffffffffff");
    expect(parseVersionHex("8000000000000000")).toBeUndefined();
    expect(formatVersionHex(0n)).toBe("0");
  });
});

const host = fc.oneof(
  fc.constantFrom("127.0.0.1", "localhost", "zk-1.example.com", "0:0:0:0:0:0:0:1", "fe80:0:0:0:0:0:0:1"),
  fc.ipV4(),
  fc.domain(),
);
const port = fc.integer({ min: 0, max: 65535 });
const spec = (id: number): fc.Arbitrary<QuorumServerSpec> =>
  fc
    .record({
      host,
      quorumPort: port,
      electionPort: port,
      type: fc.constantFrom("participant" as const, "observer" as const),
      client: fc.option(fc.record({ host: fc.oneof(fc.constant("0.0.0.0"), host), port }), { nil: undefined }),
    })
    .filter((s) => s.quorumPort !== s.electionPort)
    .map((s) => {
      const out: QuorumServerSpec = { id, host: s.host, quorumPort: s.quorumPort, electionPort: s.electionPort, type: s.type };
      if (s.client) out.client = s.client;
      return out;
    });
const config: fc.Arbitrary<DynamicConfig> = fc
  .uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 0, maxLength: 30 })
  .chain((ids) => fc.tuple(fc.tuple(...ids.map(spec)), fc.bigInt({ min: 0n, max: 0x7fffffffffffffffn })))
  .map(([servers, version]) => ({ servers: [...servers].sort((a, b) => a.id - b.id), version }));

describe("print then parse gives the configuration back (fast-check)", () => {
  it("one server line", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }).chain(spec), (s) => {
        expect(parseServerSpec(s.id, formatServerSpec(s))).toEqual(s);
      }),
    );
  });
  it("a whole configuration, and printing again gives the same text", () => {
    fc.assert(
      fc.property(config, (c) => {
        const text = formatDynamicConfig(c);
        expect(parseDynamicConfig(text)).toEqual(c);
        expect(formatDynamicConfig(parseDynamicConfig(text))).toBe(text);
      }),
    );
  });
});
