// A small real network for partition tests: one network namespace per server, each joined to
// a bridge in the caller's namespace by a veth pair, with its own address on a /24. The caller
// reaches every server through the bridge (it has the .254 address). Cutting a server off =
// taking its veth out of the bridge (its address and sockets stay; packets go nowhere);
// healing = putting it back. Needs root (CAP_NET_ADMIN) and iproute2.
import { execFileSync, spawnSync } from "node:child_process";

export interface NetnsNetwork {
  /** Namespace names, index id-1. */
  readonly namespaces: string[];
  /** Server addresses, index id-1. */
  readonly addresses: string[];
  /** The caller's address on the bridge. */
  readonly hostAddress: string;
  /** The command prefix that runs a program inside server id's namespace. */
  wrap(id: number): string[];
  /** Cuts server id off from everyone (the others and the caller). */
  isolate(id: number): void;
  heal(id: number): void;
  /** Deletes the namespaces, veths and the bridge (kill the processes inside first). */
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Why network namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  const probe = `wdprobe${process.pid % 100000}`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.error) return `iproute2 is not installed (${add.error.message}); apt-get install iproute2`;
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()} (needs root / CAP_NET_ADMIN)`;
  const veth = spawnSync("ip", ["link", "add", `${probe}a`, "type", "veth", "peer", "name", `${probe}b`], { encoding: "utf8" });
  spawnSync("ip", ["link", "del", `${probe}a`]);
  spawnSync("ip", ["netns", "del", probe]);
  if (veth.status !== 0) return `cannot create a veth pair: ${veth.stderr.trim()}`;
  return undefined;
}

export function createNetnsNetwork(count: number): NetnsNetwork {
  const tag = `wd${process.pid % 100000}`;
  const subnet = `10.213.${process.pid % 250}`;
  const bridge = `${tag}br`;
  const namespaces = Array.from({ length: count }, (_, i) => `${tag}-${i + 1}`);
  const hostSide = Array.from({ length: count }, (_, i) => `${tag}h${i + 1}`);
  const addresses = Array.from({ length: count }, (_, i) => `${subnet}.${i + 1}`);
  const hostAddress = `${subnet}.254`;
  const destroy = () => {
    for (const ns of namespaces) spawnSync("ip", ["netns", "del", ns]);
    for (const h of hostSide) spawnSync("ip", ["link", "del", h]);
    spawnSync("ip", ["link", "del", bridge]);
  };
  destroy(); // leftovers of an earlier run with the same pid
  try {
    ip("link", "add", bridge, "type", "bridge");
    ip("addr", "add", `${hostAddress}/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    for (let i = 0; i < count; i++) {
      const ns = namespaces[i]!;
      const inner = `${tag}n${i + 1}`;
      ip("netns", "add", ns);
      ip("link", "add", hostSide[i]!, "type", "veth", "peer", "name", inner);
      ip("link", "set", inner, "netns", ns);
      ip("link", "set", hostSide[i]!, "master", bridge);
      ip("link", "set", hostSide[i]!, "up");
      ip("-n", ns, "addr", "add", `${addresses[i]}/24`, "dev", inner);
      ip("-n", ns, "link", "set", inner, "up");
      ip("-n", ns, "link", "set", "lo", "up");
    }
  } catch (e) {
    destroy();
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not build the namespace network: ${stderr || (e as Error).message}`);
  }
  return {
    namespaces,
    addresses,
    hostAddress,
    wrap: (id) => ["ip", "netns", "exec", namespaces[id - 1]!],
    isolate: (id) => ip("link", "set", hostSide[id - 1]!, "nomaster"),
    heal: (id) => ip("link", "set", hostSide[id - 1]!, "master", bridge),
    destroy,
  };
}
