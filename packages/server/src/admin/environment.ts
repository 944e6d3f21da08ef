// What ZooKeeper's environment and system_properties commands answer: Warden's process in the
// places of the JVM's, and the version line tools parse.
import { EOL, hostname, cpus, totalmem, freemem } from "node:os";
import { delimiter, sep } from "node:path";

const WARDEN_VERSION = "0.1.0";
/** What `srvr` reports as the version; tools parse the ZooKeeper prefix. */
export const VERSION_LINE = `3.8.0-warden-${WARDEN_VERSION}, built on 2026-11-25`;

/** ZooKeeper's environment answer: Warden's process in the places of the JVM's. */
export function environment(): Array<[string, string]> {
  const mb = (n: number) => `${Math.round(n / (1024 * 1024))}MB`;
  const mem = process.memoryUsage();
  return [
    ["zookeeper.version", VERSION_LINE],
    ["host.name", hostname()],
    ["node.version", process.version],
    ["os.name", process.platform],
    ["os.arch", process.arch],
    ["os.cpus", String(cpus().length)],
    ["user.dir", process.cwd()],
    ["process.pid", String(process.pid)],
    ["os.memory.free", mb(freemem())],
    ["os.memory.max", mb(totalmem())],
    ["os.memory.total", mb(mem.rss)],
  ];
}

/** The runtime's properties, as ZooKeeper lists the JVM's system properties. */
export function systemProperties(): Array<[string, string]> {
  return [
    ["file.separator", sep],
    ["line.separator", EOL],
    ["os.arch", process.arch],
    ["os.name", process.platform],
    ["path.separator", delimiter],
    ["user.dir", process.cwd()],
    ...Object.entries(process.versions).map(([k, v]): [string, string] => [`node.versions.${k}`, String(v)]),
  ].sort(([a], [b]) => (a < b ? -1 : 1)) as Array<[string, string]>;
}
