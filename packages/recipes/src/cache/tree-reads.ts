// The reads a tree cache issues, as values: each is started when its event arrives and
// applied later in arrival order, so replies never overtake events.
import { NoNodeError, type NodeData, type Stat } from "@warden/client";
import type { Client } from "@warden/client";
import { joinPath } from "../util/paths.js";

export interface NodeRead {
  path: string;
  /** "gone": the node does not exist (NoNode), "failed": the read did not complete. */
  kind: "data" | "full" | "gone" | "failed" | "deleted";
  data?: NodeData;
  stat?: Stat;
  children?: string[];
  error?: unknown;
  /** For a read made for an event: the zxid of the change that fired it (undefined when unknown). */
  eventZxid?: bigint;
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
  if (data.status === "fulfilled" && children.status === "fulfilled")
    return { path, kind: "full", data: data.value.data, stat: data.value.stat, children: children.value };
  const error = data.status === "rejected" ? data.reason : (children as PromiseRejectedResult).reason;
  return error instanceof NoNodeError ? { path, kind: "gone" } : { path, kind: "failed", error };
}

/** Ops per multiRead: each batch is read at one point of the server's order. */
const BATCH_OPS_MAX = 1000;

/**
 * Data (and children, with `withChildren`) of many nodes, in as few multiReads as the
 * bound allows, so that a resync sees one consistent state instead of one per node.
 */
export async function readBatch(client: Client, paths: readonly string[], withChildren: boolean): Promise<NodeRead[]> {
  const perNode = withChildren ? 2 : 1;
  const nodesPerBatch = Math.floor(BATCH_OPS_MAX / perNode);
  const out: NodeRead[] = [];
  for (let i = 0; i < paths.length; i += nodesPerBatch) {
    const chunk = paths.slice(i, i + nodesPerBatch);
    const ops = chunk.flatMap((path) =>
      withChildren
        ? [
            { type: "getData" as const, path },
            { type: "getChildren" as const, path },
          ]
        : [{ type: "getData" as const, path }],
    );
    let results;
    try {
      results = await client.multiRead(ops);
    } catch (error) {
      return [...out, ...paths.slice(i).map((path): NodeRead => ({ path, kind: "failed", error }))];
    }
    chunk.forEach((path, j) => out.push(batchResult(path, results[j * perNode]!, withChildren ? results[j * perNode + 1] : undefined)));
  }
  return out;
}

type Outcome = Awaited<ReturnType<Client["multiRead"]>>[number];

function batchResult(path: string, data: Outcome, children: Outcome | undefined): NodeRead {
  const error = data.type === "error" ? data.error : children?.type === "error" ? children.error : undefined;
  if (error !== undefined) return error instanceof NoNodeError ? { path, kind: "gone" } : { path, kind: "failed", error };
  if (data.type !== "getData") return { path, kind: "failed", error: new Error("unexpected multiRead result") };
  if (children === undefined) return { path, kind: "data", data: data.data, stat: data.stat };
  return { path, kind: "full", data: data.data, stat: data.stat, children: children.type === "getChildren" ? children.children : [] };
}

/**
 * The whole subtree for a resync, after catching the server up: level by level, each level
 * in as few multiReads as possible, each level's reads in change order. Stops (with what it
 * has) past `nodesMax`.
 */
export async function readTree(client: Client, root: string, depthMax: number, nodesMax: number): Promise<NodeRead[]> {
  await client.sync(root);
  const top = await readFull(client, root);
  const out = [top];
  let level = top.kind === "full" && depthMax > 0 ? top.children!.map((n) => joinPath(root, n)) : [];
  for (let depth = 1; level.length > 0 && out.length <= nodesMax; depth++) {
    const withChildren = depth < depthMax;
    const reads = await readBatch(client, level, withChildren);
    out.push(...inChangeOrder(reads));
    level = withChildren ? reads.flatMap((r) => (r.kind === "full" ? r.children!.map((n) => joinPath(r.path, n)) : [])) : [];
  }
  return out;
}

/** A batch's results in the order they happened: vanished nodes first, then by last change (mzxid). */
export function inChangeOrder(reads: readonly NodeRead[]): NodeRead[] {
  const rank = (r: NodeRead) => (r.stat === undefined ? -1n : r.stat.mzxid);
  return [...reads].sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}
