// Messages between servers beside consensus (forwarded writes, touches) leave as few frames as
// possible: everything for one peer in one turn of the event loop, packed into frames of at
// most serverBatchBytesMax and serverBatchItemsMax items. Each item is encoded once, on its
// own, and a frame is the CBOR of { s: [items] } in parts (a head, then the items' encodings,
// written corked, never concatenated), so its size is known exactly before it is sent.
import { encode } from "cbor-x";
import type { ServerMessage } from "../core/pipeline/messages.js";
import { TOUCH_SESSIONS_MAX, type PeerLimits } from "./limits.js";

/** A frame's fixed part: map(1), "s", and an array head of up to 5 bytes. */
const FRAME_HEAD_BYTES_MAX = 1 + 2 + 5;

export interface ServerBatchSink {
  /** One frame's payload in parts, CBOR of { s: [...] }. */
  sendParts(to: number, parts: readonly Uint8Array[]): void;
  /** An item that no frame can carry: a bug (limits.ts sizes items to fit), never sent. */
  oversize(to: number, item: ServerMessage, bytes: number): void;
}

export class ServerBatcher {
  private readonly batches = new Map<number, ServerMessage[]>();
  private scheduled = false;
  /** Items no frame could carry (sink.oversize was told): a bug if not 0. */
  oversizeDropped = 0;

  constructor(
    private readonly limits: Pick<PeerLimits, "frameBytesMax" | "serverBatchBytesMax" | "serverBatchItemsMax">,
    private readonly sink: ServerBatchSink,
  ) {}

  add(to: number, item: ServerMessage): void {
    let batch = this.batches.get(to);
    if (!batch) this.batches.set(to, (batch = []));
    batch.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends everything gathered (at the end of the turn). */
  flush(): void {
    this.scheduled = false;
    const batches = [...this.batches];
    this.batches.clear();
    for (const [to, items] of batches) for (const frame of this.frames(to, items)) this.sink.sendParts(to, frame);
  }

  /** Packs the items, each encoded once, into frames within the bounds. */
  frames(to: number, items: readonly ServerMessage[]): Uint8Array[][] {
    const frames: Uint8Array[][] = [];
    let group: Uint8Array[] = [];
    let groupBytes = 0;
    for (const item of splitTouches(items)) {
      const bytes = encode(item) as Uint8Array;
      if (FRAME_HEAD_BYTES_MAX + bytes.length > this.limits.frameBytesMax) {
        this.oversizeDropped++;
        this.sink.oversize(to, item, bytes.length);
        continue;
      }
      const full = groupBytes + bytes.length > this.limits.serverBatchBytesMax || group.length >= this.limits.serverBatchItemsMax;
      if (group.length > 0 && full) {
        frames.push(frameOf(group));
        group = [];
        groupBytes = 0;
      }
      group.push(bytes);
      groupBytes += bytes.length;
    }
    if (group.length > 0) frames.push(frameOf(group));
    return frames;
  }
}

/** A touch of more sessions than one message may carry becomes several. */
function* splitTouches(items: readonly ServerMessage[]): Generator<ServerMessage> {
  for (const item of items) {
    if (item.type !== "touch" || item.sessions.length <= TOUCH_SESSIONS_MAX) {
      yield item;
      continue;
    }
    for (let i = 0; i < item.sessions.length; i += TOUCH_SESSIONS_MAX)
      yield { type: "touch", sessions: item.sessions.slice(i, i + TOUCH_SESSIONS_MAX) };
  }
}

/** CBOR of { s: [items] }, as parts: the head, then the items' own encodings. */
function frameOf(items: readonly Uint8Array[]): Uint8Array[] {
  const n = items.length;
  let array: number[];
  if (n < 24) array = [0x80 + n];
  else if (n < 0x100) array = [0x98, n];
  else if (n < 0x10000) array = [0x99, n >> 8, n & 0xff];
  else array = [0x9a, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return [Uint8Array.of(0xa1, 0x61, 0x73, ...array), ...items]; // map(1), text(1) "s", array(n)
}
