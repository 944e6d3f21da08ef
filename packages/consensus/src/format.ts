import type { Zxid } from "@warden/protocol";
import { zxidCounter, zxidEpoch } from "@warden/protocol";
import type { Entry, Message } from "./types.js";

/** "e.c" (epoch.counter): compact zxids for logs and transcripts. */
export function shortZxid(z: Zxid): string {
  return `${zxidEpoch(z)}.${zxidCounter(z)}`;
}

function formatEntries(entries: readonly Entry[]): string {
  return "[" + entries.map((e) => (e.payload === null ? `${shortZxid(e.zxid)}:barrier` : `${shortZxid(e.zxid)}:${new TextDecoder().decode(e.payload)}`)).join(" ") + "]";
}

/** One line per message, for logs and transcript tests. */
export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} epoch=${m.epoch}`;
  switch (m.type) {
    case "vote-request": return `${head} last=${shortZxid(m.lastZxid)}`;
    case "vote-response": return `${head} granted=${m.granted}`;
    case "prevote-request": return `${head} last=${shortZxid(m.lastZxid)}`;
    case "prevote-response": return `${head} granted=${m.granted}`;
    case "append": return `${head} prev=${shortZxid(m.prevZxid)} commit=${shortZxid(m.commitZxid)} entries=${formatEntries(m.entries)}`;
    case "append-response":
      return m.success ? `${head} match=${shortZxid(m.matchZxid)}` : `${head} reject prev=${shortZxid(m.rejectedPrevZxid)} hint=${shortZxid(m.hintZxid)}`;
    case "snapshot-chunk": return `${head} snapshot=${shortZxid(m.snapshotZxid)} bytes=${m.offset}+${m.data.length}/${m.totalBytes}`;
    case "snapshot-ack": return `${head} snapshot=${shortZxid(m.snapshotZxid)} received=${m.receivedBytes}`;
    case "sync-request": return `${head} request=${m.requestId}`;
    case "sync-response": return `${head} request=${m.requestId} zxid=${shortZxid(m.zxid)}`;
  }
}

export { formatEntries };
