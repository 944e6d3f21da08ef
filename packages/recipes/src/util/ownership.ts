// Follows something this process owns through an ephemeral node (a lock, a lease, a
// leadership) across connection changes, the way Curator's connection states read:
// disconnected = suspended (unsure: stop acting as owner if it matters), reconnected =
// check that the node is still ours, expired = lost.
import type { Client, SessionEvent } from "@warden/client";
import { Emitter } from "./emitter.js";

export type OwnershipEvents = { suspended: []; reconnected: []; lost: [] };

export class Ownership extends Emitter<OwnershipEvents> {
  readonly #client: Client;
  readonly #path: string;
  readonly #sessionId: bigint;
  readonly #lost = new AbortController();
  readonly #off: () => void;

  constructor(client: Client, path: string) {
    super();
    this.#client = client;
    this.#path = path;
    this.#sessionId = client.sessionId;
    this.#off = client.on("state", (e) => this.#onState(e));
  }

  get path(): string {
    return this.#path;
  }
  /** Aborted when ownership is lost. */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }
  get isLost(): boolean {
    return this.#lost.signal.aborted;
  }

  /** Stops following (on release); no more events. */
  dispose(): void {
    this.#off();
    this.removeAllListeners();
  }

  /** True when the node still exists and belongs to this session. */
  async verify(): Promise<boolean> {
    if (this.isLost) return false;
    if (this.#client.sessionId !== this.#sessionId) return (this.#markLost(), false);
    const stat = await this.#client.exists(this.#path);
    if (stat === null || stat.ephemeralOwner !== this.#sessionId) return (this.#markLost(), false);
    return true;
  }

  #onState(event: SessionEvent): void {
    if (this.isLost) return;
    if (event === "disconnected") this.emit("suspended");
    else if (event === "expired" || event === "closed") this.#markLost();
    else if (event === "reconnected") {
      this.verify().then(
        (ok) => ok && this.emit("reconnected"),
        () => undefined, // a new disconnection: its own events follow
      );
    }
  }

  #markLost(): void {
    if (this.isLost) return;
    this.#lost.abort();
    this.emit("lost");
    this.dispose();
  }
}
