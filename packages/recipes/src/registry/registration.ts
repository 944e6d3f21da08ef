// A service instance registered by itself: an ephemeral node at <basePath>/<name>/<id> that
// goes when the process dies, deleted by deregister() on a clean shutdown, and created
// again by itself when the session expired and the client made a new one (Curator's
// ServiceDiscovery does the same on RECONNECTED).
import { BadVersionError, ConnectionLossError, CreateMode, NoNodeError, NodeExistsError } from "@warden/client";
import type { Client, SessionEvent } from "@warden/client";
import { ContentionError, RecipeClosedError } from "../errors.js";
import { Emitter } from "../util/emitter.js";
import { ensurePath, parentOf } from "../util/paths.js";
import { waitForChange } from "../util/wait.js";
import {
  decodeInstance,
  encodeInstance,
  instancePath,
  newInstance,
  type InstanceSpec,
  type RegistryOptions,
  type ServiceInstance,
} from "./instance.js";

export interface RegisterOptions extends RegistryOptions {
  /** "permanent": a persistent node that outlives the session (an external service entered by hand). */
  kind?: "ephemeral" | "permanent";
}

/** Attempts an update makes across connection losses before it throws. */
const UPDATE_ATTEMPTS_MAX = 20;

type Events = { registered: [ServiceInstance]; error: [unknown] };

export class ServiceRegistration extends Emitter<Events> {
  readonly path: string;
  readonly #client: Client;
  readonly #mode: CreateMode;
  #instance: ServiceInstance;
  #sessionId = 0n;
  #offState: (() => void) | undefined;
  #closed = false;

  private constructor(client: Client, instance: ServiceInstance, options: RegisterOptions) {
    super();
    this.#client = client;
    this.#instance = instance;
    this.#mode = options.kind === "permanent" ? CreateMode.PERSISTENT : CreateMode.EPHEMERAL;
    this.path = instancePath(instance.name, instance.id, options);
  }

  /** Registers the instance; NodeExistsError when another session holds the same id. */
  static async register(client: Client, spec: InstanceSpec, options: RegisterOptions = {}): Promise<ServiceRegistration> {
    const registration = new ServiceRegistration(client, newInstance(spec), options);
    await registration.#create(false);
    if (registration.#mode === CreateMode.EPHEMERAL) registration.#offState = client.on("state", (e) => registration.#onState(e));
    return registration;
  }

  /** The instance as this process last wrote it. */
  get instance(): ServiceInstance {
    return this.#instance;
  }

  /** Keeps the instance registered but out of discovery (or back in with "healthy"). */
  async setStatus(status: ServiceInstance["status"]): Promise<void> {
    await this.#update((i) => ({ ...i, status }));
  }

  async setMetadata(metadata: Record<string, string>): Promise<void> {
    await this.#update((i) => ({ ...i, metadata: { ...metadata } }));
  }

  /** Deletes the node and stops re-registering. */
  async deregister(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#offState?.();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#client.delete(this.path);
      } catch (e) {
        if (e instanceof NoNodeError) return;
        if (!(e instanceof ConnectionLossError) || attempt >= UPDATE_ATTEMPTS_MAX) throw e;
        await this.#client.connected();
      }
    }
  }

  /** Creates the node; with `waitForOldSession`, waits for a node left by another session to go. */
  async #create(waitForOldSession: boolean): Promise<void> {
    await ensurePath(this.#client, parentOf(this.path));
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new RecipeClosedError(`registration of ${this.path}`);
      try {
        await this.#client.create(this.path, encodeInstance(this.#instance), { mode: this.#mode });
        return this.#registered();
      } catch (e) {
        if (e instanceof ConnectionLossError && attempt < UPDATE_ATTEMPTS_MAX) await this.#client.connected();
        else if (e instanceof NoNodeError && attempt < UPDATE_ATTEMPTS_MAX) await ensurePath(this.#client, parentOf(this.path));
        else if (!(e instanceof NodeExistsError)) throw e;
        else if ((await this.#onExisting(waitForOldSession, e)) === "done") return this.#registered();
      }
    }
  }

  /** The node exists: ours (a create whose reply was lost) is fine; another session's is waited out or refused. */
  async #onExisting(waitForOldSession: boolean, error: InstanceType<typeof NodeExistsError>): Promise<"done" | "retry"> {
    const stat = await this.#client.exists(this.path);
    if (stat === null) return "retry";
    if (this.#mode === CreateMode.PERSISTENT || stat.ephemeralOwner === this.#client.sessionId) {
      await this.#client.setData(this.path, encodeInstance(this.#instance));
      return "done";
    }
    if (!waitForOldSession) throw error;
    await waitForChange(this.#client, this.path, { atMs: undefined, timeoutMs: undefined, signal: undefined });
    return "retry";
  }

  #registered(): void {
    this.#sessionId = this.#client.sessionId;
    this.emit("registered", this.#instance);
  }

  #onState(event: SessionEvent): void {
    if (this.#closed || event !== "reconnected") return;
    const again = this.#client.sessionId === this.#sessionId ? this.#ensurePresent() : this.#create(true);
    again.catch((e) => this.#closed || this.emit("error", e));
  }

  /** Same session after a reconnection: the node should be there; put it back if it is not. */
  async #ensurePresent(): Promise<void> {
    if ((await this.#client.exists(this.path)) === null) await this.#create(true);
  }

  /**
   * Read-modify-write of our node with compare-and-set (a checker may write it too). The
   * change is idempotent, so a write whose reply was lost is simply tried again; an
   * unchanged node is not written.
   */
  async #update(change: (i: ServiceInstance) => ServiceInstance): Promise<void> {
    this.#instance = change(this.#instance);
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS_MAX; attempt++) {
      try {
        const { data, stat } = await this.#client.getData(this.path);
        const bytes = data ?? new Uint8Array(0);
        const next = encodeInstance(change(decodeInstance(this.path, bytes)));
        if (sameBytes(next, bytes)) return;
        await this.#client.setData(this.path, next, stat.version);
        return;
      } catch (e) {
        if (e instanceof ConnectionLossError) await this.#client.connected();
        else if (!(e instanceof BadVersionError)) throw e;
      }
    }
    throw new ContentionError(this.path, UPDATE_ATTEMPTS_MAX);
  }
}

/** Registers an instance (see ServiceRegistration). */
export function register(client: Client, spec: InstanceSpec, options: RegisterOptions = {}): Promise<ServiceRegistration> {
  return ServiceRegistration.register(client, spec, options);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** register() under the name the CLI pairs with deregisterInstance(). */
export const registerInstance = register;
