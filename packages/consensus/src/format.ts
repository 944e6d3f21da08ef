import type { Zxid } from "@warden/protocol";
import { zxidCounter, zxidEpoch } from "@warden/protocol";
import type { Entry, Membership, Message } from "./types.js";

/** "e.c" (epoch.counter): compact zxids for logs and transcripts. */
export function shortZxid(z: Zxid): string {
  return `${zxidEpoch(z)}.${zxidCounter(z)}`;
}

/** "voters=1,2,3 observers=4 version=1.3" */
export function formatMembership(m: Membership): string {
  return `voters=${m.voters.join(",")}${m.observers.length > 0 ? ` observers=${m.observers.join(",")}` : ""} version=${shortZxid(m.version)}`;
}

function formatEntry(e: Entry): string {
  if (e.membership !== undefined)
    return `${shortZxid(e.zxid)}:config(${e.membership.voters.join(",")}${e.membership.observers.length > 0 ? `/${e.membership.observers.join(",")}` : ""})`;
  return e.payload === null ? `${shortZxid(e.zxid)}:barrier` : `${shortZxid(e.zxid)}:${new TextDecoder().decode(e.payload)}`;
}

function formatEntries(entries: readonly Entry[]): string {
  return `[${entries.map(formatEntry).join(" ")}]`;
}

/** One line per message, for logs and transcript tests. */
export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} epoch=${m.epoch}`;
  switch (m.type) {
    case "vote-request":
      return `${head} last=${shortZxid(m.lastZxid)}${m.transfer === true ? " transfer" : ""}`;
    case "vote-response":
      return `${head} granted=${m.granted}`;
    case "prevote-request":
      return `${head} last=${shortZxid(m.lastZxid)}`;
    case "prevote-response":
      return `${head} granted=${m.granted}`;
    case "append":
      return `${head} prev=${shortZxid(m.prevZxid)} commit=${shortZxid(m.commitZxid)} entries=${formatEntries(m.entries)}${m.quiet === true ? " quiet" : ""}`;
    case "append-response":
      return m.success
        ? `${head} match=${shortZxid(m.matchZxid)}`
        : `${head} reject prev=${shortZxid(m.rejectedPrevZxid)} hint=${shortZxid(m.hintZxid)}`;
    case "snapshot-chunk":
      return `${head} snapshot=${shortZxid(m.snapshotZxid)} bytes=${m.offset}+${m.data.length}/${m.totalBytes}`;
    case "snapshot-ack":
      return `${head} snapshot=${shortZxid(m.snapshotZxid)} received=${m.receivedBytes}`;
    case "sync-request":
      return `${head} request=${m.requestId}`;
    case "sync-response":
      return `${head} request=${m.requestId} zxid=${shortZxid(m.zxid)}`;
    case "timeout-now":
      return head;
  }
}

export { formatEntries };
