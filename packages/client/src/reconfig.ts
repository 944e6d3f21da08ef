// Dynamic reconfiguration from the client's side, as ZooKeeper's ZooKeeperAdmin and
// ZooKeeper.getConfig: the request a reconfig sends, and the configuration a reply carries.
import type { Client } from "./client.js";
import {
  BadArgumentsError,
  parseDynamicConfig,
  type DynamicConfig,
  type NodeData,
  type ReconfigRequest,
  type Stat,
} from "@warden/protocol";

/** reconfig's arguments; lists are joined with commas as ZooKeeperAdmin's List variants join them. */
export interface ReconfigSpec {
  /** Incremental: `server.N=host:quorumPort:electionPort[:role];[clientHost:]clientPort` lines (or `N=...`). */
  joining?: string | readonly string[];
  /** Incremental: ids of servers to remove. */
  leaving?: string | readonly (string | number)[];
  /** Non-incremental: the whole new membership (lines, comma- or newline-separated). */
  newMembers?: string | readonly string[];
  /** Only if the current configuration has this version (-1n or absent: any). */
  fromConfig?: bigint;
}

/** /zookeeper/config as read: its bytes and Stat, the text, and the configuration (undefined when empty: a standalone server). */
export interface ConfigResult {
  data: NodeData;
  stat: Stat;
  text: string;
  config: DynamicConfig | undefined;
}

const joined = (v: string | readonly (string | number)[] | undefined): string | null =>
  v === undefined ? null : typeof v === "string" ? v : v.join(",");

export function reconfigRequest(spec: ReconfigSpec): ReconfigRequest {
  const fromConfig = spec.fromConfig ?? -1n;
  if (fromConfig < -1n || fromConfig >= 2n ** 63n) throw new BadArgumentsError(`fromConfig ${fromConfig} is not a configuration version`);
  return {
    type: "reconfig",
    joiningServers: joined(spec.joining),
    leavingServers: joined(spec.leaving),
    newMembers: joined(spec.newMembers),
    curConfigId: fromConfig,
  };
}

/** What following the configuration needs of a client. */
export type ConfigFollower = Pick<Client, "getConfig" | "updateServerList" | "on">;

/**
 * Keeps a watch on /zookeeper/config and applies `map` of each configuration read to the
 * client's server list. A watch that could not be set (the connection dropped) is set again
 * at the next connection. Returns a function that stops following.
 */
export function followConfig(
  client: ConfigFollower,
  map: (config: DynamicConfig) => string | undefined,
  onError: (e: unknown) => void,
): () => void {
  let armed = false;
  let stopped = false;
  const arm = () => {
    if (stopped || armed) return;
    armed = true;
    client
      .getConfig({ watch: () => ((armed = false), arm()) })
      .then((r) => {
        const servers = r.config === undefined || stopped ? undefined : map(r.config);
        if (servers !== undefined) client.updateServerList(servers);
      })
      .catch((e: unknown) => {
        armed = false;
        onError(e);
      });
  };
  const off = client.on("state", (state) => {
    if (state === "connected" || state === "reconnected") arm();
    // A lost session takes its watches with it.
    if (state === "expired") armed = false;
  });
  return () => {
    stopped = true;
    off();
  };
}

export function configResult(data: NodeData, stat: Stat): ConfigResult {
  const text = data === null ? "" : new TextDecoder().decode(data);
  return { data, stat, text, config: text.trim() === "" ? undefined : parseDynamicConfig(text) };
}
