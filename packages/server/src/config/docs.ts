// docs/configuration.md, generated from the key table (npm run docs:config writes it; a test
// fails when the committed page differs).
import { KEYS, KEY_PREFIXES, SYSTEM_PROPERTY_PREFIX, type KeySpec } from "./keys.js";

const INTRO = `# Configuration

<!-- Generated from packages/server/src/config/keys.ts by \`npm run docs:config\`: edit the table there. -->

A Warden server reads a ZooKeeper-style \`zoo.cfg\` (Java properties: \`key=value\`, \`#\` comments). A key with ZooKeeper's name means what it means in ZooKeeper 3.9. Command-line flags (\`warden server --dataDir D --dataLogDir L --nativePort P ...\`, or \`--set key=value\`) override the file. An unknown key, or a malformed value, stops the server with a message naming the line.

Every key of ZooKeeper's administrator guide is accepted. Each one either takes effect, or is **ignored** (Warden has no such mechanism, or does it its own way: the server names the ignored keys at start, one line per reason), or is **refused** for the values Warden cannot honour without silently lowering security (TLS and SASL: the server does not start, and says why). ZooKeeper reads any other key of zoo.cfg as the system property \`zookeeper.<key>\`; Warden accepts that spelling of every key too (\`zookeeper.forceSync=no\` is \`forceSync=no\`), and refuses a key given under both spellings.

Besides these keys: \`server.N=host:peerPort:electionPort[:participant|observer][;[clientAddress:]clientPort]\` lines make an ensemble (the number of voting servers must be odd, except in a dynamic file a reconfig wrote: a reconfig may leave any count, as ZooKeeper's), in zoo.cfg or in the file \`dynamicConfigFile\` names; \`version=<hex>\` beside them in zoo.cfg is the membership's version; \`dataDir/myid\` holds this server's id. A client address on this server's own line is where its ZooKeeper port listens (a clientPort or clientPortAddress given too must agree, as in ZooKeeper). Peers listen on \`host:peerPort\` (\`electionPort\` is accepted and reserved: elections travel on the peer port). \`group.N\` and \`weight.N\` (hierarchical quorums) are refused.
`;

function typeOf(spec: KeySpec): string {
  return spec.kind === "int" ? `int ${spec.min ?? ""}..${spec.max ?? ""}` : spec.kind;
}

function effectOf(spec: KeySpec): string {
  if (spec.aliasOf) return `same as \`${spec.aliasOf}\``;
  if (spec.refused) return `**refused** for ${spec.refused.values}: ${spec.refused.why}`;
  if (spec.ignored) return `ignored: ${spec.ignored}`;
  return "yes";
}

const row = (key: string, spec: KeySpec) => `| \`${key}\` | ${typeOf(spec)} | ${spec.doc} | ${effectOf(spec)} |`;

/** The table of every key: its type and bounds, what it means, and what Warden does with it. */
export function configurationTable(): string {
  const rows = [...Object.entries(KEYS).map(([key, spec]) => row(key, spec)), ...KEY_PREFIXES.map((p) => row(p.display, p.spec))];
  return `${["| key | type | meaning | in Warden |", "|---|---|---|---|", ...rows].join("\n")}\n`;
}

/** The whole of docs/configuration.md. */
export function configurationDoc(): string {
  return `${INTRO}\n${configurationTable()}\nAny key may also be written \`${SYSTEM_PROPERTY_PREFIX}<key>\`.\n`;
}
