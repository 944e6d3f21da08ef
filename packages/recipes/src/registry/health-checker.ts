// A registry-side health checker (Consul's checks): it mirrors every instance under the
// base path, probes those that describe a health check, every interval with a timeout,
// and writes the result into the instance's node (compare-and-set, only on a change), so
// that discovery leaves failing instances out. Run it in one process (or several: they
// write the same results), e.g. under a LeaderLatch.
import { BadVersionError, NoNodeError } from "@warden/client";
import type { Client } from "@warden/client";
import { TreeCache, type CachedNode, type TreeCacheEvent } from "../cache/tree-cache.js";
import { Emitter } from "../util/emitter.js";
import { checkBasePath } from "../util/paths.js";
import {
  decodeInstance,
  encodeInstance,
  SERVICES_PATH_DEFAULT,
  type CheckResult,
  type RegistryOptions,
  type ServiceInstance,
} from "./instance.js";
import { defaultProbe, type Probe } from "./probes.js";

export interface HealthCheckerOptions extends RegistryOptions {
  /** Used when an instance's check gives none. Defaults 10 000 and 2 000 ms. */
  intervalMsDefault?: number;
  timeoutMsDefault?: number;
  /** Replaces the HTTP/TCP probes (tests, custom checks). */
  probe?: Probe;
}

/** The shortest interval between two runs of one health check. */
const INTERVAL_MS_MIN = 10;
/** Attempts to write a health result before the error is reported. */
const WRITE_ATTEMPTS_MAX = 10;

type Events = { result: [ServiceInstance, CheckResult]; error: [unknown] };

export class HealthChecker extends Emitter<Events> {
  readonly #client: Client;
  readonly #cache: TreeCache;
  readonly #options: Required<Omit<HealthCheckerOptions, "basePath">>;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(client: Client, options: HealthCheckerOptions = {}) {
    super();
    this.#client = client;
    this.#cache = new TreeCache(client, checkBasePath(options.basePath ?? SERVICES_PATH_DEFAULT), { depthMax: 2 });
    this.#options = {
      intervalMsDefault: options.intervalMsDefault ?? 10_000,
      timeoutMsDefault: options.timeoutMsDefault ?? 2000,
      probe: options.probe ?? defaultProbe,
    };
    this.#cache.on("change", (e) => this.#onChange(e));
    this.#cache.on("error", (e) => this.emit("error", e));
  }

  start(): Promise<void> {
    return this.#cache.start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await this.#cache.close();
  }

  #onChange(event: TreeCacheEvent): void {
    if (this.#closed || !("node" in event) || this.#depthOf(event.node) !== 2) return;
    const path = event.node.path;
    if (event.type === "removed") {
      clearTimeout(this.#timers.get(path));
      this.#timers.delete(path);
    } else if (!this.#timers.has(path)) {
      this.#schedule(path, 0);
    }
  }

  #depthOf(node: CachedNode): number {
    const root = this.#cache.rootPath;
    return (root === "/" ? node.path : node.path.slice(root.length)).split("/").length - 1;
  }

  #schedule(path: string, delayMs: number): void {
    this.#timers.set(
      path,
      setTimeout(() => void this.#runCheck(path), delayMs),
    );
  }

  async #runCheck(path: string): Promise<void> {
    const node = this.#cache.get(path);
    if (this.#closed || node === undefined) return void this.#timers.delete(path);
    let instance: ServiceInstance;
    try {
      instance = decodeInstance(path, node.data ?? new Uint8Array(0));
    } catch (e) {
      this.emit("error", e);
      return void this.#timers.delete(path);
    }
    const check = instance.healthCheck;
    if (check === undefined) return this.#schedule(path, this.#options.intervalMsDefault); // it may get one later
    const probed = await this.#options.probe(instance, check, check.timeoutMs ?? this.#options.timeoutMsDefault);
    const result: CheckResult = { status: probed.passing ? "passing" : "failing", output: probed.output, checkedAtMs: Date.now() };
    this.emit("result", instance, result);
    await this.#write(path, result).catch((e) => this.emit("error", e));
    if (!this.#closed && this.#timers.has(path))
      this.#schedule(path, Math.max(INTERVAL_MS_MIN, check.intervalMs ?? this.#options.intervalMsDefault));
  }

  /** Writes the result when its status differs from the stored one (compare-and-set on version). */
  async #write(path: string, result: CheckResult): Promise<void> {
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS_MAX; attempt++) {
      try {
        const { data, stat } = await this.#client.getData(path);
        const instance = decodeInstance(path, data ?? new Uint8Array(0));
        if (instance.check?.status === result.status) return;
        await this.#client.setData(path, encodeInstance({ ...instance, check: result }), stat.version);
        return;
      } catch (e) {
        if (e instanceof NoNodeError) return;
        if (!(e instanceof BadVersionError)) throw e;
      }
    }
  }
}
