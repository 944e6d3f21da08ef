// This server's view of the ensemble's membership, and /zookeeper/config holding it in
// ZooKeeper's format. ZooKeeper writes the node on every server at start
// (QuorumPeer.initConfigInZKDatabase), again after a snapshot from the leader replaced the
// tree (ZOOKEEPER-2819), and whenever a new configuration is adopted (processReconfig); a
// standalone server never writes it. The data watches on the node fire each time.
import { formatDynamicConfig, type ACL, type DynamicConfig, type WatchEvent } from "@warden/protocol";
import type { DataTree } from "@warden/tree";

export interface MembershipHooks {
  /** The tree of the moment (a snapshot install replaces it). */
  tree(): DataTree;
  /** A fired watch, delivered as the tree's own are (READ checked against the session). */
  deliver(sessionId: bigint, event: WatchEvent, acl: readonly ACL[]): void;
  nowMs(): number;
}

export class Membership {
  #current: DynamicConfig;

  /** `distributed`: a quorum (QuorumPeerConfig.isDistributed); a standalone server leaves the node alone. */
  constructor(
    private readonly hooks: MembershipHooks,
    initial: DynamicConfig,
    readonly distributed: boolean,
  ) {
    this.#current = initial;
  }

  /** The membership last adopted (the configuration the node holds). */
  get current(): DynamicConfig {
    return this.#current;
  }

  /** The text the node holds: QuorumMaj.toString, "" on a standalone server. */
  get text(): string {
    return this.distributed ? formatDynamicConfig(this.#current) : "";
  }

  /**
   * Adopts `next` and writes it to /zookeeper/config (data = its text, mzxid = its version,
   * version -1, mtime now), firing the node's data watches. Integration calls this when this
   * server adopts a configuration that committed; a committed reconfig transaction that sets
   * the node through the log needs it too, for the membership this object reports.
   */
  replace(next: DynamicConfig): void {
    this.#current = next;
    this.rewrite();
  }

  /** Writes the current membership into the tree again: at start, and after a snapshot install. */
  rewrite(): void {
    if (!this.distributed) return;
    const data = new TextEncoder().encode(formatDynamicConfig(this.#current));
    for (const f of this.hooks.tree().replaceConfigData(data, this.#current.version, this.hooks.nowMs()))
      this.hooks.deliver(f.sessionId, f.event, f.acl);
  }
}
