// The schema of every consensus message, checked on what a peer sent before it reaches
// Replica.step(): types, ranges (zxids bigints up to ZXID_MAX, epochs up to EPOCH_MAX, ids known)
// and bounds (entries, payload and chunk bytes). A fresh object is returned with only the
// fields of its type. Step() may then trust the shape; the protocol's rules stay in the core.
import { DecodeError, EPOCH_MAX, ZXID_MAX, type Zxid } from "@warden/protocol";
import { HOST_DATA_BYTES_MAX, MEMBERS_MAX, membersProblem } from "./membership.js";
import type { Entry, Membership, Message } from "./types.js";

export const PEER_MESSAGE_INVALID = "WARDEN_ERR_PEER_MESSAGE";

export interface MessageLimits {
  /** Every server id of the ensemble. */
  readonly ids: readonly number[];
  /** Entries in one append, at most. */
  readonly entriesMax: number;
  /** Bytes of one entry's payload, at most. */
  readonly entryBytesMax: number;
  /** Bytes of one snapshot chunk, at most. */
  readonly chunkBytesMax: number;
}

type Fields = Record<string, unknown>;

/** The largest server id a message may name. */
const UINT32_MAX = 0xffffffff;

function invalid(what: string): never {
  throw new DecodeError(PEER_MESSAGE_INVALID, `invalid peer message: ${what}`);
}

function zxid(m: Fields, key: string, where = String(m.type)): Zxid {
  const v = m[key];
  if (typeof v !== "bigint" || v < 0n || v > ZXID_MAX) invalid(`${where}.${key} is not a zxid (at most 2^53 - 1)`);
  return v;
}

function uint(m: Fields, key: string, max: number): number {
  const v = m[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max)
    invalid(`${String(m.type)}.${key} is not an integer in [0, ${max}]`);
  return v;
}

function bool(m: Fields, key: string): boolean {
  const v = m[key];
  if (typeof v !== "boolean") invalid(`${String(m.type)}.${key} is not a boolean`);
  return v;
}

function bytes(m: Fields, key: string, max: number, where = String(m.type)): Uint8Array {
  const v = m[key];
  if (!(v instanceof Uint8Array) || v.length > max) invalid(`${where}.${key} is not bytes of at most ${max}`);
  return v;
}

function entries(m: Fields, prevZxid: Zxid, limits: MessageLimits): Entry[] {
  const list = m.entries;
  if (!Array.isArray(list) || list.length > limits.entriesMax) invalid(`append.entries is not a list of at most ${limits.entriesMax}`);
  const out: Entry[] = [];
  let last = prevZxid;
  for (const e of list as unknown[]) {
    if (typeof e !== "object" || e === null || Array.isArray(e)) invalid("append entry is not a map");
    const f = e as Fields;
    const z = zxid(f, "zxid", "append entry");
    if (z <= last) invalid("append entries are not in increasing zxid order after prevZxid");
    last = z;
    if (f.membership !== undefined) {
      if (f.payload !== null) invalid("append entry has both a payload and a configuration");
      const m = membership(f.membership, "append entry");
      if (m.version !== z) invalid("append entry's configuration version is not its zxid");
      out.push({ zxid: z, payload: null, membership: m });
    } else {
      out.push({ zxid: z, payload: f.payload === null ? null : bytes(f, "payload", limits.entryBytesMax, "append entry") });
    }
  }
  return out;
}

function ids(m: Fields, key: string, where: string): number[] {
  const list = m[key];
  if (!Array.isArray(list) || list.length > MEMBERS_MAX) invalid(`${where}.${key} is not a list of at most ${MEMBERS_MAX} ids`);
  for (const v of list as unknown[])
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1 || v > UINT32_MAX)
      invalid(`${where}.${key} holds an id not in [1, ${UINT32_MAX}]`);
  return [...(list as number[])];
}

function membership(value: unknown, where: string): Membership {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(`${where}.membership is not a map`);
  const f = value as Fields;
  const m = {
    version: zxid(f, "version", `${where}.membership`),
    voters: ids(f, "voters", `${where}.membership`),
    observers: ids(f, "observers", `${where}.membership`),
  };
  if (membersProblem(m.voters, m.observers) !== null)
    invalid(`${where}.membership is not a configuration (no voter, a repeated id, or too many)`);
  if (f.hostData === undefined) return m;
  return { ...m, hostData: bytes(f, "hostData", HOST_DATA_BYTES_MAX, `${where}.membership`) };
}

/** A pre-vote's optional round number. */
function round(m: Fields): { round?: number } {
  return m.round === undefined ? {} : { round: uint(m, "round", UINT32_MAX) };
}

/** Checks a decoded peer message against its type's schema; throws DecodeError (PEER_MESSAGE_INVALID). */
export function validateMessage(value: unknown, limits: MessageLimits): Message {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid("not a map");
  const m = value as Fields;
  const from = uint(m, "from", UINT32_MAX);
  const to = uint(m, "to", UINT32_MAX);
  if (!limits.ids.includes(from) || !limits.ids.includes(to)) invalid(`unknown server id in from=${from} to=${to}`);
  const head = { from, to, epoch: uint(m, "epoch", EPOCH_MAX) };
  switch (m.type) {
    case "vote-request":
      return {
        type: m.type,
        ...head,
        lastZxid: zxid(m, "lastZxid"),
        ...(m.transfer === undefined ? {} : { transfer: bool(m, "transfer") }),
      };
    case "prevote-request":
      return { type: m.type, ...head, lastZxid: zxid(m, "lastZxid"), ...round(m) };
    case "timeout-now":
      return { type: "timeout-now", ...head };
    case "vote-response":
      return { type: m.type, ...head, granted: bool(m, "granted") };
    case "prevote-response":
      return { type: m.type, ...head, granted: bool(m, "granted"), ...round(m) };
    case "append": {
      const prevZxid = zxid(m, "prevZxid");
      return {
        type: "append",
        ...head,
        prevZxid,
        entries: entries(m, prevZxid, limits),
        commitZxid: zxid(m, "commitZxid"),
        ...(m.quiet === undefined ? {} : { quiet: bool(m, "quiet") }),
      };
    }
    case "append-response": {
      const r = {
        type: "append-response" as const,
        ...head,
        success: bool(m, "success"),
        matchZxid: zxid(m, "matchZxid"),
        acceptedZxid: zxid(m, "acceptedZxid"),
        rejectedPrevZxid: zxid(m, "rejectedPrevZxid"),
        hintZxid: zxid(m, "hintZxid"),
      };
      if (r.matchZxid > r.acceptedZxid) invalid("append-response.matchZxid above acceptedZxid");
      return r;
    }
    case "snapshot-chunk":
      return snapshotChunk(m, head, limits);
    case "snapshot-ack":
      return {
        type: "snapshot-ack",
        ...head,
        snapshotZxid: zxid(m, "snapshotZxid"),
        receivedBytes: uint(m, "receivedBytes", Number.MAX_SAFE_INTEGER),
      };
    case "sync-request":
      return { type: "sync-request", ...head, requestId: uint(m, "requestId", Number.MAX_SAFE_INTEGER) };
    case "sync-response":
      return { type: "sync-response", ...head, requestId: uint(m, "requestId", Number.MAX_SAFE_INTEGER), zxid: zxid(m, "zxid") };
    default:
      return invalid(`unknown type ${JSON.stringify(String(m.type)).slice(0, 40)}`);
  }
}

function snapshotChunk(m: Fields, head: { from: number; to: number; epoch: number }, limits: MessageLimits): Message {
  const totalBytes = uint(m, "totalBytes", Number.MAX_SAFE_INTEGER);
  const offset = uint(m, "offset", Number.MAX_SAFE_INTEGER);
  const data = bytes(m, "data", limits.chunkBytesMax);
  if (totalBytes === 0 || data.length === 0 || offset + data.length > totalBytes)
    invalid(`snapshot-chunk bytes ${offset}+${data.length} outside 1..${totalBytes}`);
  return {
    type: "snapshot-chunk",
    ...head,
    snapshotZxid: zxid(m, "snapshotZxid"),
    totalBytes,
    checksum: uint(m, "checksum", UINT32_MAX),
    offset,
    data,
    membership: membership(m.membership, "snapshot-chunk"),
  };
}
