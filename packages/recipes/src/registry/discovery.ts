// Discovery of one service: its instances mirrored by a TreeCache (one persistent recursive
// watch on <basePath>/<name>, re-read after every reconnection), the healthy ones offered
// through a load balancer, and every change reported by callback or async iterator.
import type { Client } from "@warden/client";
import { AsyncQueue } from "../util/async-queue.js";
import { Emitter } from "../util/emitter.js";
import { TreeCache, type CachedNode, type TreeCacheEvent } from "../cache/tree-cache.js";
import { decodeInstance, isHealthy, servicePath, type RegistryOptions, type ServiceInstance } from "./instance.js";
import { loadBalancer, type LoadBalancer, type LoadBalancerName } from "./load-balancer.js";

export interface DiscoveryOptions extends RegistryOptions {
  strategy?: LoadBalancerName | LoadBalancer;
  /** Unread changes an iterator holds before it fails. Default 10 000. */
  eventsBufferedMax?: number;
}

/** One change to a service's instances, in the order it happened, with the healthy set after it. */
export interface ServiceChange {
  type: "added" | "updated" | "removed";
  instance: ServiceInstance;
  healthy: ServiceInstance[];
}

type Events = {
  change: [ServiceChange];
  healthyChanged: [ServiceInstance[]];
  state: ["suspended" | "reconnected" | "lost"];
  error: [unknown];
};

export class ServiceDiscovery extends Emitter<Events> {
  readonly name: string;
  readonly #cache: TreeCache;
  readonly #balancer: LoadBalancer;
  readonly #eventsBufferedMax: number;
  readonly #instances = new Map<string, ServiceInstance>();
  #healthy: ServiceInstance[] = [];

  constructor(client: Client, name: string, options: DiscoveryOptions = {}) {
    super();
    this.name = name;
    this.#cache = new TreeCache(client, servicePath(name, options), { depthMax: 1 });
    this.#balancer = loadBalancer(options.strategy);
    this.#eventsBufferedMax = options.eventsBufferedMax ?? 10_000;
    this.#cache.on("change", (e) => this.#onCacheEvent(e));
    this.#cache.on("error", (e) => this.emit("error", e));
  }

  /** Starts watching; resolves once the current instances are known. */
  start(): Promise<void> {
    return this.#cache.start();
  }
  close(): Promise<void> {
    return this.#cache.close();
  }

  /** Healthy instances, sorted by id. */
  instances(): ServiceInstance[] {
    return [...this.#healthy];
  }
  /** Every registered instance, healthy or not, sorted by id. */
  allInstances(): ServiceInstance[] {
    return [...this.#instances.values()].sort(byId);
  }
  /** One healthy instance chosen by the strategy (undefined when there is none). */
  next(): ServiceInstance | undefined {
    return this.#balancer.pick(this.#healthy);
  }

  /** Every change as an async iterator, starting with an "added" for each instance already known. */
  changes(): AsyncIterableIterator<ServiceChange> {
    let off = () => {};
    const queue = new AsyncQueue<ServiceChange>(this.#eventsBufferedMax, () => off());
    for (const instance of this.allInstances()) queue.push({ type: "added", instance, healthy: this.instances() });
    off = this.on("change", (c) => queue.push(c));
    return queue;
  }

  #onCacheEvent(event: TreeCacheEvent): void {
    if (event.type === "suspended" || event.type === "reconnected" || event.type === "lost") return this.emit("state", event.type);
    if (!("node" in event) || event.node.path === this.#cache.rootPath) return;
    this.#apply(event.type, event.node);
  }

  #apply(type: ServiceChange["type"], node: CachedNode): void {
    const instance = this.#decode(node);
    if (instance === undefined) return;
    if (type === "removed") this.#instances.delete(instance.id);
    else this.#instances.set(instance.id, instance);
    const before = this.#healthy;
    this.#healthy = this.allInstances().filter(isHealthy);
    this.emit("change", { type, instance, healthy: this.instances() });
    if (!sameIds(before, this.#healthy)) this.emit("healthyChanged", this.instances());
  }

  #decode(node: CachedNode): ServiceInstance | undefined {
    try {
      return decodeInstance(node.path, node.data ?? new Uint8Array(0));
    } catch (e) {
      this.emit("error", e);
      return undefined;
    }
  }
}

function byId(a: ServiceInstance, b: ServiceInstance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sameIds(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]!.id);
}
