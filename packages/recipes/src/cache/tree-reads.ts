// The reads a tree cache issues, as values: each is started when its event arrives and
// applied later in arrival order, so replies never overtake events.
import { NoNodeError, type Stat } from "@warden/protocol";
import type { Client } from "@warden/client";

export interface NodeRead {
  path: string;
  /** "gone": the node does not exist (NoNode), "failed": the read did not complete. */
  kind: "data" | "full" | "gone" | "failed" | "deleted";
  data?: Uint8Array;
  stat?: Stat;
  children?: string[];
  error?: unknown;
}

export async function readData(client: Client, path: string): Promise<NodeRead> {
  try {
    const { data, stat } = await client.getData(path);
    return { path, kind: "data", data, stat };
  } catch (e) {
    return e instanceof NoNodeError ? { path, kind: "gone" } : { path, kind: "failed", error: e };
  }
}

/** Data and children, both requested at once (FIFO order keeps them close). */
export async function readFull(client: Client, path: string): Promise<NodeRead> {
  const [data, children] = await Promise.allSettled([client.getData(path), client.getChildren(path)]);
  if (data.status === "fulfilled" && children.status === "fulfilled") return { path, kind: "full", data: data.value.data, stat: data.value.stat, children: children.value };
  const error = data.status === "rejected" ? data.reason : (children as PromiseRejectedResult).reason;
  return error instanceof NoNodeError ? { path, kind: "gone" } : { path, kind: "failed", error };
}
