// Byte-level checks against traffic captured from Apache ZooKeeper 3.8 and its Java client
// (scripts/capture-zk). Each request is decoded by the server side and re-encoded by the
// client side; each reply is decoded by the client side and re-encoded by the server side;
// both must give back the captured bytes exactly.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OpCode } from "../src/codes.js";
import {
  JuteFrameSplitter,
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequest,
  decodeServerFrame,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeErrorReply,
  encodeNotification,
  encodeReply,
  encodeRequest,
  fourLetterWordOf,
  type JuteReplyShape,
} from "../src/jute/index.js";

interface VectorFrame {
  conn: number;
  dir: "c2s" | "s2c";
  kind: string;
  hex: string;
}
const dir = fileURLToPath(new URL("./vectors/zk-3.8/", import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();
const load = (f: string): VectorFrame[] => JSON.parse(readFileSync(dir + f, "utf8")).frames;
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const body = (frame: Uint8Array) => frame.subarray(4);

const opCodesSeen = new Set<number>();
const errorsSeen = new Set<number>();

/** Replays one vector file; returns nothing, asserts every frame round-trips. */
function replay(frames: VectorFrame[]): void {
  const pending = new Map<string, JuteReplyShape>();
  for (const f of frames) {
    const frame = bytes(f.hex);
    if (f.kind === "raw") continue;
    expect(new DataView(frame.buffer).getInt32(0)).toBe(frame.length - 4);
    if (f.kind === "connectRequest") {
      const { request, readOnlyField } = decodeConnectRequest(body(frame));
      expect(hex(encodeConnectRequest(request, readOnlyField))).toBe(f.hex);
    } else if (f.kind === "connectResponse") {
      const { response, readOnlyField } = decodeConnectResponse(body(frame));
      expect(hex(encodeConnectResponse(response, readOnlyField))).toBe(f.hex);
    } else if (f.dir === "c2s") {
      replayRequest(f, frame, pending);
    } else {
      replayReply(f, frame, pending);
    }
  }
}

function replayRequest(f: VectorFrame, frame: Uint8Array, pending: Map<string, JuteReplyShape>): void {
  const decoded = decodeRequest(body(frame));
  opCodesSeen.add(decoded.opCode);
  pending.set(`${f.conn}/${decoded.xid}`, decoded);
  if (decoded.kind === "request") expect(hex(encodeRequest(decoded))).toBe(f.hex);
  else expect.fail(`captured request refused: ${decoded.message}`);
}

function replayReply(f: VectorFrame, frame: Uint8Array, pending: Map<string, JuteReplyShape>): void {
  const decoded = decodeServerFrame(body(frame), (xid) => pending.get(`${f.conn}/${xid}`));
  if (decoded.kind === "notification") {
    expect(hex(encodeNotification(decoded.event))).toBe(f.hex);
    return;
  }
  errorsSeen.add(decoded.err);
  if (decoded.err !== 0) {
    expect(frame.length).toBe(4 + 16);
    expect(hex(encodeErrorReply(decoded.xid, decoded.zxid, decoded.err))).toBe(f.hex);
    return;
  }
  const shape = pending.get(`${f.conn}/${decoded.xid}`) ?? { opCode: decoded.opCode };
  expect(hex(encodeReply(shape, decoded.xid, decoded.zxid, decoded.response!))).toBe(f.hex);
}

/** Each direction of each connection as one stream of bytes. */
function streams(frames: VectorFrame[]): Map<string, VectorFrame[]> {
  const out = new Map<string, VectorFrame[]>();
  for (const f of frames) {
    const key = `${f.conn}/${f.dir}`;
    out.set(key, [...(out.get(key) ?? []), f]);
  }
  return out;
}

describe("captured ZooKeeper 3.8 traffic", () => {
  it("has vectors to replay", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  for (const file of files) {
    it(`${file}: every frame decodes and re-encodes to the same bytes`, () => {
      replay(load(file));
    });

    it(`${file}: the splitter finds the same frames in one chunk and byte by byte`, () => {
      for (const [, frames] of streams(load(file))) {
        if (frames[0]!.kind === "raw") continue;
        const stream = bytes(frames.map((f) => f.hex).join(""));
        const expected = frames.map((f) => hex(bytes(f.hex).subarray(4)));
        expect(new JuteFrameSplitter({ detectFourLetterWords: true }).feed(stream).map(hex)).toEqual(expected);
        const split = new JuteFrameSplitter({ detectFourLetterWords: true });
        const got: string[] = [];
        for (let i = 0; i < stream.length; i++) got.push(...split.feed(stream.subarray(i, i + 1)).map(hex));
        expect(got).toEqual(expected);
      }
    });
  }

  it("four-letter words open a connection with their 4 ASCII bytes", () => {
    const raw = load("fourLetterWord.json").filter((f) => f.dir === "c2s");
    expect(raw.map((f) => fourLetterWordOf(bytes(f.hex)))).toEqual(["ruok", "isro"]);
    const split = new JuteFrameSplitter({ detectFourLetterWords: true });
    expect(split.feed(bytes(raw[0]!.hex))).toEqual([]);
    expect(split.fourLetterWord).toBe("ruok");
  });

  it("covers every client operation up to 3.8", () => {
    for (const file of files) replay(load(file));
    const wanted = [
      "create",
      "create2",
      "createContainer",
      "createTTL",
      "delete",
      "exists",
      "getData",
      "setData",
      "getACL",
      "setACL",
      "getChildren",
      "getChildren2",
      "getAllChildrenNumber",
      "getEphemerals",
      "multi",
      "multiRead",
      "sync",
      "setWatches",
      "setWatches2",
      "addWatch",
      "checkWatches",
      "removeWatches",
      "auth",
      "whoAmI",
      "closeSession",
      "ping",
      "reconfig",
    ] as const;
    expect(wanted.filter((op) => !opCodesSeen.has(OpCode[op]))).toEqual([]);
    for (const err of [-101, -103, -110, -111, -102, -121, -123, -115]) expect(errorsSeen).toContain(err);
  });
});
