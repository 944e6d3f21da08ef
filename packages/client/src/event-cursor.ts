// How far this session's watch events are known to be complete, so that a reattach asks the
// server to replay exactly what is missing. A connection delivers events in zxid order and
// a reply only after every event of the changes it reflects ("watch before data"), so:
// a reply with zxid Z, or an event of a later zxid than Z, means every event up to Z is in.
// The events of the newest zxid may be cut short by a dropped connection (one change can
// fire several events): they are replayed from that zxid, and those already delivered are
// skipped, by count of (type, path), on the next connection.
import { EventType, type WatchEvent } from "@warden/protocol";

const key = (e: WatchEvent) => `${e.type} ${e.path}`;

export class EventCursor {
  /** Every event with a zxid up to this one has been delivered. */
  #completeZxid = 0n;
  /** The newest change's zxid an event was delivered for, and its events so far. */
  #newestZxid = 0n;
  #newestEvents: string[] = [];
  /** Events of #skipZxid delivered before the reattach: the replay's copies are dropped. */
  #skipZxid = -1n;
  #skip = new Map<string, number>();

  get completeZxid(): bigint {
    return this.#completeZxid;
  }

  /** A reply with this zxid arrived on the connection. */
  onReply(zxid: bigint): void {
    if (zxid > this.#completeZxid) this.#completeZxid = zxid;
    if (this.#completeZxid >= this.#newestZxid) this.#newestEvents = [];
  }

  /** An event arrived; false when it is a replayed copy of one already delivered. */
  accept(event: WatchEvent): boolean {
    // Catch-up and EventsLost events are judged at a state, not fired by one change.
    if (event.catchUp === true || event.type === EventType.EventsLost) return true;
    if (event.zxid === this.#skipZxid) {
      const k = key(event);
      const left = this.#skip.get(k) ?? 0;
      if (left > 0) {
        this.#skip.set(k, left - 1);
        return false;
      }
    }
    if (event.zxid > this.#newestZxid) {
      if (this.#newestZxid > this.#completeZxid) this.#completeZxid = this.#newestZxid;
      this.#newestZxid = event.zxid;
      this.#newestEvents = [];
    }
    if (event.zxid === this.#newestZxid && event.zxid > this.#completeZxid) this.#newestEvents.push(key(event));
    return true;
  }

  /** A new connection of the same session: the zxid to replay after, with the skip list armed. */
  resume(): bigint {
    this.#skip = new Map();
    this.#skipZxid = -1n;
    if (this.#newestZxid > this.#completeZxid) {
      this.#skipZxid = this.#newestZxid;
      for (const k of this.#newestEvents) this.#skip.set(k, (this.#skip.get(k) ?? 0) + 1);
      return this.#newestZxid - 1n;
    }
    return this.#completeZxid;
  }

  /** A new session: nothing is known of it. */
  reset(): void {
    this.#completeZxid = 0n;
    this.#newestZxid = 0n;
    this.#newestEvents = [];
    this.#skip = new Map();
    this.#skipZxid = -1n;
  }
}
