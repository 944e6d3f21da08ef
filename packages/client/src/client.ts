// The public client: one object, promise methods for every ZooKeeper operation, typed
// errors, chroot applied to every path sent and stripped from every path received.
import {
  AddWatchMode,
  ErrorCode,
  EventType,
  KeeperState,
  NativeCodec,
  NoWatcherError,
  WatcherType,
  errorFromCode,
  type ACL,
  type Id,
  type NodeData,
  type Request,
  type Response,
  type Stat,
  type WatchEvent,
} from "@warden/protocol";
import type { CallOptions } from "./calls.js";
import { parseConnectString } from "./connect-string.js";
import { defaultTransport } from "./default-transport.js";
import { RequestBuilder, type CreateOptions, type Data } from "./build.js";
import { Listeners, callSafely } from "./emitter.js";
import { resolveOptions, type ClientOptions, type ResolvedOptions } from "./options.js";
import { ServerRotation } from "./servers.js";
import { configResult, followConfig, reconfigRequest, type ConfigResult, type ReconfigSpec } from "./reconfig.js";
import { Session, type SessionEvent } from "./session.js";
import { Transaction, multiReadResults, type MultiReadOutcome, type ReadSpec } from "./transaction.js";
import type { Transport } from "./transport.js";
import { EVENTS_BUFFERED_MAX_DEFAULT, WatchStream } from "./watch-stream.js";
import { NO_ZXID, WatchRegistry, type WatchKind, type WatchListener, type WatchedEvent } from "./watches.js";
import { serverWatcherTypes, setWatchesRequests } from "./watch-replay.js";
import { stateAfter, untilConnected, type ClientState } from "./connected.js";

export interface WatchOptions extends CallOptions {
  /** A one-shot watch: called once with the next change, then removed. */
  watch?: WatchListener;
}
export interface ChildrenOptions extends WatchOptions {
  /** Also return the parent's Stat (getChildren2). */
  stat?: boolean;
}
export interface RemoveWatchesOptions extends CallOptions {
  /** Remove only on the client, even without a server (ZooKeeper's `local`). */
  local?: boolean;
}
export type { ClientState } from "./connected.js";

/** Watch registrations one client holds at most. */
export const WATCH_REGISTRATIONS_MAX = 100_000;
/** addAuth credentials one client holds (each is replayed on every reconnect). */
const AUTHS_MAX = 32;
const CONFIG_PATH = "/zookeeper/config";

export class Client {
  readonly chroot: string | undefined;
  readonly #options: ResolvedOptions;
  readonly #build: RequestBuilder;
  readonly #watches = new WatchRegistry();
  readonly #auths: { scheme: string; auth: NodeData }[] = [];
  readonly #listeners = new Map<SessionEvent | "state", Listeners<SessionEvent>>();
  #session: Session | undefined;
  readonly #rotation: ServerRotation;
  #unfollow: (() => void) | undefined;
  #state: ClientState = "connecting";
  #codec: NativeCodec;
  #closePromise: Promise<void> | undefined;
  #ready: Promise<void>;

  constructor(connectString: string, options: ClientOptions = {}) {
    const parsed = parseConnectString(connectString);
    this.#options = resolveOptions(parsed.secure === undefined ? options : { ...options, secure: parsed.secure });
    this.chroot = parsed.chroot;
    this.#codec = new NativeCodec(this.#options.limits);
    this.#build = new RequestBuilder(parsed.chroot, this.#codec.limits.dataBytesMax);
    const rotation = new ServerRotation(
      parsed.servers,
      this.#options.random,
      this.#options.reconnectDelayMsMin,
      this.#options.reconnectDelayMsMax,
    );
    this.#rotation = rotation;
    const map = this.#options.serverListFromConfig;
    // A configuration the mapping cannot read is skipped; the next change is tried again.
    if (map) this.#unfollow = followConfig(this, map, () => undefined);
    const start = (transport: Transport) => {
      if (this.#state === "closed") return;
      this.#session = new Session(rotation, transport, this.#codec, this.#options, {
        onEvent: (e) => this.#onEvent(e),
        onStateChange: (s) => this.#onStateChange(s),
        replay: (reattached, resumeAfterZxid) => this.#replay(reattached, resumeAfterZxid),
        onSessionLost: () => this.#dropWatches(),
      });
      this.#session.start();
    };
    if (this.#options.transport) {
      start(this.#options.transport);
      this.#ready = Promise.resolve();
    } else {
      this.#ready = defaultTransport(this.#options.tls).then(start, (e: unknown) => {
        this.#onStateChange("closed");
        throw e;
      });
      this.#ready.catch(() => undefined);
    }
  }

  get state(): ClientState {
    return this.#state;
  }
  /** 0n until the first session is established. */
  get sessionId(): bigint {
    return this.#session?.sessionId ?? 0n;
  }
  get sessionPassword(): Uint8Array {
    return this.#session?.password ?? new Uint8Array(0);
  }
  /** The newest zxid this client has seen; servers behind it are refused. */
  get lastZxidSeen(): bigint {
    return this.#session?.lastZxidSeen ?? 0n;
  }
  /** Servers probed for being read-write since the current read-only connection began (0 when read-write). */
  get readWriteProbes(): number {
    return this.#session?.readWriteProbes ?? 0;
  }
  /** The timeout the server negotiated (0 while no session). */
  get sessionTimeoutMs(): number {
    return this.#session?.negotiatedTimeoutMs ?? 0;
  }

  /** Subscribes to one session event, or to all with "state"; returns the unsubscribe. */
  on(event: SessionEvent | "state", listener: (event: SessionEvent) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Listeners()));
    return set.add(listener);
  }

  /**
   * Resolves once connected (at once when already); rejects on close or the timeout. A read-only
   * connection counts (only a canBeReadOnly client gets one) unless `readWrite` is true.
   */
  connected(options: { timeoutMs?: number; readWrite?: boolean } = {}): Promise<void> {
    return untilConnected(this.#state, (listener) => this.on("state", listener), options);
  }

  async create(path: string, data?: Data, options: CreateOptions & CallOptions = {}): Promise<string> {
    return (await this.createWithStat(path, data, options)).path;
  }

  /** create, returning the created path (with its sequence number) and the new node's Stat. */
  async createWithStat(path: string, data?: Data, options: CreateOptions & CallOptions = {}): Promise<{ path: string; stat: Stat }> {
    const r = await this.#submit(this.#build.create(path, data, options), path, options);
    if (r.type !== "create") throw unexpected(r);
    return { path: this.#build.strip(r.path), stat: r.stat };
  }

  async delete(path: string, version = -1, options: CallOptions = {}): Promise<void> {
    await this.#submit({ type: "delete", path: this.#build.path(path), version: this.#build.version(version, path) }, path, options);
  }

  /** The node's Stat, or null when it does not exist (a watch then fires on its creation). */
  async exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    const watch = options.watch;
    const request: Request = { type: "exists", path: this.#build.path(path), watch: watch !== undefined };
    if (watch) this.#checkWatchBound();
    const onReply =
      watch &&
      ((err: number) =>
        err === 0 ? this.#watches.add("data", path, watch) : err === ErrorCode.NO_NODE && this.#watches.add("exist", path, watch));
    try {
      const r = await this.#submit(request, path, options, onReply || undefined);
      return r.type === "exists" ? r.stat : unexpected(r);
    } catch (e) {
      if (e instanceof Error && (e as { zkCode?: number }).zkCode === ErrorCode.NO_NODE) return null;
      throw e;
    }
  }

  /** data is null when the node holds null data (see Data), else its bytes. */
  async getData(path: string, options: WatchOptions = {}): Promise<{ data: NodeData; stat: Stat }> {
    const request: Request = { type: "getData", path: this.#build.path(path), watch: options.watch !== undefined };
    const r = await this.#submit(request, path, options, this.#watchOnSuccess("data", path, options.watch));
    return r.type === "getData" ? { data: r.data, stat: r.stat } : unexpected(r);
  }

  async setData(path: string, data: Data, version = -1, options: CallOptions = {}): Promise<Stat> {
    const request: Request = {
      type: "setData",
      path: this.#build.path(path),
      data: this.#build.data(data, path),
      version: this.#build.version(version, path),
    };
    const r = await this.#submit(request, path, options);
    return r.type === "setData" ? r.stat : unexpected(r);
  }

  async getACL(path: string, options: CallOptions = {}): Promise<{ acl: ACL[]; stat: Stat }> {
    const r = await this.#submit({ type: "getACL", path: this.#build.path(path) }, path, options);
    return r.type === "getACL" ? { acl: r.acl, stat: r.stat } : unexpected(r);
  }

  async setACL(path: string, acl: readonly ACL[], version = -1, options: CallOptions = {}): Promise<Stat> {
    const r = await this.#submit(
      { type: "setACL", path: this.#build.path(path), acl: [...acl], version: this.#build.version(version, path) },
      path,
      options,
    );
    return r.type === "setACL" ? r.stat : unexpected(r);
  }

  getChildren(path: string, options: ChildrenOptions & { stat: true }): Promise<{ children: string[]; stat: Stat }>;
  getChildren(path: string, options?: ChildrenOptions): Promise<string[]>;
  async getChildren(path: string, options: ChildrenOptions = {}): Promise<string[] | { children: string[]; stat: Stat }> {
    const withStat = options.stat === true;
    const request: Request = { type: "getChildren", path: this.#build.path(path), watch: options.watch !== undefined, withStat };
    const r = await this.#submit(request, path, options, this.#watchOnSuccess("child", path, options.watch));
    if (r.type !== "getChildren") return unexpected(r);
    return withStat ? { children: r.children, stat: r.stat! } : r.children;
  }

  async getAllChildrenNumber(path: string, options: CallOptions = {}): Promise<number> {
    const r = await this.#submit({ type: "getAllChildrenNumber", path: this.#build.path(path) }, path, options);
    return r.type === "getAllChildrenNumber" ? r.totalNumber : unexpected(r);
  }

  /** This session's ephemeral nodes whose path starts with `prefix`. */
  async getEphemerals(prefix = "/", options: CallOptions = {}): Promise<string[]> {
    const r = await this.#submit({ type: "getEphemerals", prefix: this.#build.path(prefix) }, prefix, options);
    return r.type === "getEphemerals" ? r.ephemerals.map((p) => this.#build.strip(p)) : unexpected(r);
  }

  /** Waits until the server has every write committed before the call; returns the path. */
  async sync(path: string, options: CallOptions = {}): Promise<string> {
    const r = await this.#submit({ type: "sync", path: this.#build.path(path) }, path, options);
    return r.type === "sync" ? this.#build.strip(r.path) : unexpected(r);
  }

  /** A persistent watch (recursive with AddWatchMode.PERSISTENT_RECURSIVE) calling `listener` until removed. */
  async addWatch(path: string, mode: AddWatchMode, listener: WatchListener, options: CallOptions = {}): Promise<void> {
    const kind: WatchKind = mode === AddWatchMode.PERSISTENT_RECURSIVE ? "persistentRecursive" : "persistent";
    const request: Request = { type: "addWatch", path: this.#build.path(path), mode };
    await this.#submit(request, path, options, this.#watchOnSuccess(kind, path, listener));
  }

  /** A persistent watch as an async iterable; leaving a for-await loop removes it. */
  async watch(path: string, options: CallOptions & { recursive?: boolean; eventsBufferedMax?: number } = {}): Promise<WatchStream> {
    const type = options.recursive ? WatcherType.PersistentRecursive : WatcherType.Persistent;
    const stream: WatchStream = new WatchStream(path, options.eventsBufferedMax ?? EVENTS_BUFFERED_MAX_DEFAULT, () =>
      this.removeWatches(path, type, stream.listener).catch((e) => {
        if (!(e instanceof NoWatcherError)) throw e;
      }),
    );
    const mode = options.recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT;
    await this.addWatch(path, mode, stream.listener, options);
    return stream;
  }

  /**
   * Removes watches of `watcherType` on `path` (only `listener`'s when given): they get a
   * *WatchRemoved event. The server's registration goes when no listener of that kind is left.
   * NoWatcherError when there was none.
   */
  async removeWatches(path: string, watcherType: WatcherType, listener?: WatchListener, options: RemoveWatchesOptions = {}): Promise<void> {
    const serverPath = this.#build.path(path);
    const { removed, emptied } = this.#watches.remove(watcherType, path, listener);
    if (removed.size === 0) throw new NoWatcherError(undefined, path);
    for (const [l, type] of removed) callSafely(l, { type, state: KeeperState.SyncConnected, path, zxid: NO_ZXID });
    if (options.local) return;
    for (const type of serverWatcherTypes(emptied)) {
      await this.#submit({ type: "removeWatches", path: serverPath, watcherType: type, checkOnly: false }, path, options).catch((e) => {
        if (!(e instanceof NoWatcherError)) throw e;
      });
    }
  }

  removeAllWatches(path: string, watcherType: WatcherType, options: RemoveWatchesOptions = {}): Promise<void> {
    return this.removeWatches(path, watcherType, undefined, options);
  }

  /** Adds credentials to the session (and to every later connection of this client). */
  async addAuth(scheme: string, auth: Data, options: CallOptions = {}): Promise<void> {
    const bytes = this.#build.data(auth, "");
    if (this.#auths.length >= AUTHS_MAX)
      throw errorFromCode(ErrorCode.BAD_ARGUMENTS, undefined, `more than ${AUTHS_MAX} addAuth credentials`);
    await this.#submit({ type: "auth", scheme, auth: bytes }, undefined, options, (err) => {
      if (err === 0) this.#auths.push({ scheme, auth: bytes });
      else if (err === ErrorCode.AUTH_FAILED) this.#onStateChange("authFailed");
    });
  }

  async whoAmI(options: CallOptions = {}): Promise<Id[]> {
    const r = await this.#submit({ type: "whoAmI" }, undefined, options);
    return r.type === "whoAmI" ? r.clientInfo : unexpected(r);
  }

  /** ZooKeeper's getConfig: /zookeeper/config (never under the chroot), parsed; `watch` fires when it changes. */
  async getConfig(options: WatchOptions = {}): Promise<ConfigResult> {
    const request: Request = { type: "getConfig", watch: options.watch !== undefined };
    const r = await this.#submit(request, CONFIG_PATH, options, this.#watchOnSuccess("data", CONFIG_PATH, options.watch));
    return r.type === "getConfig" ? configResult(r.data, r.stat) : unexpected(r);
  }

  /** ZooKeeperAdmin.reconfigure (op 16): the committed configuration and /zookeeper/config's Stat. */
  async reconfig(spec: ReconfigSpec, options: CallOptions = {}): Promise<ConfigResult> {
    // Never retried: a reconfig is a write.
    const r = await this.#submit(reconfigRequest(spec), CONFIG_PATH, { ...options, retryRead: false });
    return r.type === "reconfig" || r.type === "getData" ? configResult(r.data, r.stat) : unexpected(r);
  }

  /**
   * ZooKeeper's updateServerList: replaces the servers (the connect string's chroot is
   * ignored) and, with the probability that keeps the load even, moves this client: its
   * connection is dropped and the session goes on at a server drawn as StaticHostProvider
   * draws. True when it moves. ZooKeeper's client never calls it by itself; see the
   * serverListFromConfig option.
   */
  updateServerList(connectString: string): boolean {
    const parsed = parseConnectString(connectString);
    const connected = this.#state === "connected" || this.#state === "connectedReadOnly" ? this.#rotation.current : undefined;
    const moving = this.#rotation.update(parsed.servers, connected);
    if (moving) this.#session?.reconnect("moving to another server after a server list change");
    return moving;
  }

  /** A multi, built op by op: client.transaction().create(..).setData(..).commit(). */
  transaction(): Transaction {
    return new Transaction(this.#build, this.#codec.limits.multiOpsMax, (request, options) => this.#submit(request, undefined, options));
  }

  /** Several reads in one request; each op's outcome, failures as typed errors. */
  async multiRead(ops: readonly ReadSpec[], options: CallOptions = {}): Promise<MultiReadOutcome[]> {
    return multiReadResults(this.#build, this.#codec.limits.multiOpsMax, ops, (request) => this.#submit(request, undefined, options));
  }

  /** Closes the session (its ephemerals go) and the client; idempotent. */
  close(): Promise<void> {
    this.#unfollow?.();
    this.#closePromise ??= (async () => {
      if (this.#session) await this.#session.close();
      else this.#onStateChange("closed");
    })();
    return this.#closePromise;
  }

  #submit(
    request: Request,
    path: string | undefined,
    options: CallOptions,
    onReply?: (err: number, r: Response | undefined) => void,
  ): Promise<Response> {
    // The default transport loads asynchronously (Node's ws); calls made before it wait.
    if (this.#session === undefined) return this.#ready.then(() => this.#submit(request, path, options, onReply));
    return this.#session.submit(request, { path, options, ...(onReply ? { onReply } : {}) });
  }

  #watchOnSuccess(kind: WatchKind, path: string, listener: WatchListener | undefined) {
    if (listener === undefined) return undefined;
    this.#checkWatchBound();
    return (err: number) => err === 0 && this.#watches.add(kind, path, listener);
  }

  /** Refuses a new watch before anything is sent when the client already holds its maximum. */
  #checkWatchBound(): void {
    if (this.#watches.size >= WATCH_REGISTRATIONS_MAX) {
      throw errorFromCode(ErrorCode.BAD_ARGUMENTS, undefined, `more than ${WATCH_REGISTRATIONS_MAX} watch registrations`);
    }
  }

  #onEvent(event: WatchEvent): void {
    const path = event.path === "" ? "" : this.#build.strip(event.path);
    const watched: WatchedEvent = { type: event.type, state: event.state, path, zxid: event.zxid };
    // A catch-up event is for one-shot watches: the persistent ones had the exact events replayed.
    for (const listener of this.#watches.materialize(event.type, path, event.catchUp === true)) callSafely(listener, watched);
  }

  #onStateChange(event: SessionEvent): void {
    this.#state = stateAfter(this.#state, event);
    this.#listeners.get(event)?.emit(event);
    this.#listeners.get("state")?.emit(event);
  }

  #dropWatches(): void {
    const state = this.#session?.isClosed ? KeeperState.Closed : KeeperState.Expired;
    for (const listener of this.#watches.drain()) callSafely(listener, { type: EventType.None, state, path: "", zxid: NO_ZXID });
  }

  /** First requests on every connection: credentials, then (same session) the watches from lastZxidSeen. */
  #replay(reattached: boolean, resumeAfterZxid: bigint): Request[] {
    const requests: Request[] = this.#auths.map((a) => ({ type: "auth", scheme: a.scheme, auth: a.auth }));
    if (reattached && this.#watches.size > 0) requests.push(...this.#setWatches(resumeAfterZxid));
    return requests;
  }

  /** setWatches requests for every watch (watch-replay.ts); persistent ones that cannot resume are told EventsLost. */
  #setWatches(resumeAfterZxid: bigint): Request[] {
    const serverPath = (path: string) => this.#build.path(path);
    const listItemsMax = this.#codec.limits.listItemsMax;
    const { requests, unresumed } = setWatchesRequests(this.#watches, serverPath, listItemsMax, this.lastZxidSeen, resumeAfterZxid);
    for (const path of unresumed) this.#onLocalEventsLost(path);
    return requests;
  }

  /** A persistent watch the client could not resume: its listeners must resync, as on the server's EventsLost. */
  #onLocalEventsLost(path: string): void {
    const watched: WatchedEvent = { type: EventType.EventsLost, state: KeeperState.SyncConnected, path, zxid: NO_ZXID };
    for (const listener of this.#watches.materialize(EventType.EventsLost, path)) callSafely(listener, watched);
  }
}

function unexpected(r: Response): never {
  throw errorFromCode(ErrorCode.RUNTIME_INCONSISTENCY, undefined, `unexpected ${r.type} response`);
}

export function createClient(connectString: string, options: ClientOptions = {}): Client {
  return new Client(connectString, options);
}
