// Leader election, latch style (Curator's LeaderLatch): every participant queues an
// EPHEMERAL_SEQUENTIAL node; the first is the leader; each other participant watches only
// its predecessor. Connection handling:
// - "standard" policy (default, Curator's): a lost connection ends leadership at once
//   (notLeader), because another participant may be elected once our session expires;
//   after reconnecting, the node is checked and leadership regained (isLeader) if it is
//   still ours and first.
// - "session" policy: only the session's loss ends leadership.
// On expiry the node is gone; the latch joins again with the new session.
import { ConnectionLossError, CreateMode, NoNodeError, SessionExpiredError } from "@warden/client";
import type { Client, SessionEvent } from "@warden/client";
import { AcquireTimeoutError, RecipeClosedError, RecipeError } from "../errors.js";
import { Emitter } from "../util/emitter.js";
import { createProtected } from "../util/protected-create.js";
import { baseName, checkBasePath, ensurePath, joinPath, sortBySequence } from "../util/paths.js";
import { deadlineOf, raceDeadline } from "../util/wait.js";
import { deleteQuietly } from "../locks/lock-internals.js";

export interface LeaderLatchOptions {
  /** This participant's id, stored in its node (default: random). */
  id?: string;
  connectionPolicy?: "standard" | "session";
}

export interface Participant {
  id: string;
  isLeader: boolean;
}

type Events = { isLeader: []; notLeader: []; error: [unknown] };
const PREFIX = "latch-";

export class LeaderLatch extends Emitter<Events> {
  readonly id: string;
  readonly #client: Client;
  readonly #path: string;
  readonly #policy: "standard" | "session";
  #node: string | undefined;
  #leader = false;
  #state: "new" | "started" | "closed" = "new";
  #checking: Promise<void> | undefined;
  #recheck = false;
  #offState: (() => void) | undefined;

  constructor(client: Client, path: string, options: LeaderLatchOptions = {}) {
    super();
    this.#client = client;
    this.#path = checkBasePath(path);
    this.id = options.id ?? globalThis.crypto.randomUUID();
    this.#policy = options.connectionPolicy ?? "standard";
  }

  get hasLeadership(): boolean {
    return this.#leader && this.#state === "started";
  }

  /** Joins the election (resolves once our node exists; leadership may come later). */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new RecipeError("WARDEN_ERR_ALREADY_STARTED", `leader latch ${this.#path} already started`);
    this.#state = "started";
    this.#offState = this.#client.on("state", (e) => this.#onState(e));
    await this.#join();
    await this.#check();
  }

  /** Resolves once this participant leads; AcquireTimeoutError after timeoutMs. */
  async await(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const deadline = deadlineOf(options);
    while (!this.hasLeadership) {
      if (this.#state === "closed") throw new RecipeClosedError(`leader latch ${this.#path}`);
      let off = () => {};
      const changed = new Promise<void>((r) => (off = this.on("isLeader", r)));
      const outcome = await raceDeadline(changed, deadline);
      off();
      if (outcome === "aborted") options.signal!.throwIfAborted();
      if (outcome === "timeout") throw new AcquireTimeoutError(this.#path, options.timeoutMs ?? 0);
    }
  }

  /** Leaves the election (deleting our node); a leader emits notLeader. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#offState?.();
    this.#setLeader(false);
    if (this.#node !== undefined) await deleteQuietly(this.#client, this.#node);
  }

  /** The participants in queue order (the first leads). */
  async participants(): Promise<Participant[]> {
    const names = sortBySequence(await this.#client.getChildren(this.#path));
    const decoder = new TextDecoder();
    const reads = await Promise.allSettled(names.map((n) => this.#client.getData(joinPath(this.#path, n))));
    return reads.flatMap((r, i) =>
      r.status === "fulfilled" ? [{ id: decoder.decode(r.value.data ?? undefined), isLeader: i === 0 }] : [],
    );
  }

  async #join(): Promise<void> {
    await ensurePath(this.#client, this.#path);
    this.#node = await createProtected(this.#client, this.#path, PREFIX, this.id, CreateMode.EPHEMERAL_SEQUENTIAL);
    if (this.#state === "closed") await deleteQuietly(this.#client, this.#node);
  }

  /** Checks our place (serialized: a check asked for during one runs after it). */
  #check(): Promise<void> {
    if (this.#checking) {
      this.#recheck = true;
      return this.#checking;
    }
    this.#checking = (async () => {
      do {
        this.#recheck = false;
        await this.#checkOnce();
      } while (this.#recheck && this.#state === "started");
    })().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #checkOnce(): Promise<void> {
    if (this.#state !== "started" || this.#node === undefined) return;
    const queue = sortBySequence(await this.#client.getChildren(this.#path));
    const index = queue.indexOf(baseName(this.#node));
    if (index < 0) return this.#rejoin(); // our node went with an expired session
    if (index === 0) return this.#setLeader(true);
    this.#setLeader(false);
    const predecessor = joinPath(this.#path, queue[index - 1]!);
    const stat = await this.#client.exists(predecessor, { watch: () => this.#check().catch((e) => this.#report(e)) });
    if (stat === null) this.#recheck = true;
  }

  async #rejoin(): Promise<void> {
    this.#setLeader(false);
    this.#node = undefined;
    await this.#join();
    this.#recheck = true;
  }

  #onState(event: SessionEvent): void {
    if (this.#state !== "started") return;
    if (event === "disconnected" && this.#policy === "standard") this.#setLeader(false);
    else if (event === "expired") this.#setLeader(false);
    else if (event === "reconnected") this.#check().catch((e) => this.#report(e));
  }

  #setLeader(leader: boolean): void {
    if (this.#leader === leader || (leader && this.#state !== "started")) return; // a check that ends after close()
    this.#leader = leader;
    this.emit(leader ? "isLeader" : "notLeader");
  }

  #report(error: unknown): void {
    // A lost connection is retried on "reconnected"; anything else is the caller's to see.
    if (error instanceof NoNodeError) return void this.#check().catch((e) => this.#report(e));
    if (error instanceof ConnectionLossError || error instanceof SessionExpiredError) return;
    this.emit("error", error);
  }
}
