// multi (14) and multiRead (22): MultiOperationRecord and MultiResponse. Each op and each
// result follows a MultiHeader(type, done=false, err); a MultiHeader(-1, true, -1) ends them.
import { ErrorCode, OpCode } from "../codes.js";
import type { MultiReadResult, MultiResult, ReadOp, Request, WriteOp } from "../messages.js";
import { EMPTY_STAT } from "../stat.js";
import { decodeCreate, encodeCreate } from "./create.js";
import { isRefusal, requiredPath, type Refusal } from "./refusal.js";
import { juteError, JuteDecodeReason as R } from "./reasons.js";
import type { JuteReader } from "./reader.js";
import { MULTI_END, readMultiHeader, readStat, writeMultiHeader, writeStat } from "./records.js";
import type { JuteWriter } from "./writer.js";

const WRITE_OPS: ReadonlySet<number> = new Set([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.setData,
  OpCode.check,
]);
const READ_OPS: ReadonlySet<number> = new Set([OpCode.getChildren, OpCode.getData]);

export interface DecodedMulti {
  request: Request;
  opCodes: number[];
}

/**
 * The ops of a multi or multiRead. Every op consumes at least one MultiHeader (9 bytes) of
 * the frame, so the loop is bounded by the frame's length.
 * ZooKeeper refuses an op type a multi cannot carry ("Invalid type of op") and mixing reads
 * with writes ("Mixing different kind of ops"): both are DecodeErrors here.
 */
export function decodeMulti(r: JuteReader, opCode: number): DecodedMulti | Refusal {
  const allowed = opCode === OpCode.multi ? WRITE_OPS : READ_OPS;
  const ops: (WriteOp | ReadOp)[] = [];
  const opCodes: number[] = [];
  let refusal: Refusal | undefined;
  for (let h = readMultiHeader(r); !h.done; h = readMultiHeader(r)) {
    if (!allowed.has(h.type)) {
      throw juteError(R.BAD_MULTI, `op type ${h.type} in a ${opCode === OpCode.multi ? "multi" : "multiRead"}`);
    }
    const op = decodeOp(r, h.type);
    if (isRefusal(op)) refusal ??= op;
    else ops.push(op);
    opCodes.push(h.type);
  }
  // One op ZooKeeper would refuse (BAD_ARGUMENTS) refuses the whole multi here; so does a
  // null path (NullFieldRefusal, thrown out of the loop: the rest of the frame is not read).
  if (refusal) return refusal;
  const request =
    opCode === OpCode.multi ? { type: "multi" as const, ops: ops as WriteOp[] } : { type: "multiRead" as const, ops: ops as ReadOp[] };
  return { request, opCodes };
}

function decodeOp(r: JuteReader, type: number): WriteOp | ReadOp | Refusal {
  switch (type) {
    case OpCode.delete:
      return { type: "delete", path: requiredPath(r), version: r.int("version") };
    case OpCode.check:
      return { type: "check", path: requiredPath(r), version: r.int("version") };
    case OpCode.setData:
      return { type: "setData", path: requiredPath(r, ErrorCode.BAD_ARGUMENTS), data: r.buffer("data"), version: r.int("version") };
    case OpCode.getData:
      return { type: "getData", path: requiredPath(r), watch: r.bool("watch") };
    case OpCode.getChildren:
      return { type: "getChildren", path: requiredPath(r), watch: r.bool("watch"), withStat: false };
    default:
      return decodeCreate(r, type);
  }
}

/** Op codes the Java client's Op classes use: create (1) unless a container or TTL mode. */
export function multiOpCodesOf(request: Request): number[] {
  if (request.type === "multi") return request.ops.map(writeOpCode);
  if (request.type === "multiRead") return request.ops.map((op) => (op.type === "getData" ? OpCode.getData : OpCode.getChildren));
  return [];
}

function writeOpCode(op: WriteOp): number {
  if (op.type !== "create") return OpCode[op.type];
  if (op.mode === 4) return OpCode.createContainer;
  return op.mode === 5 || op.mode === 6 ? OpCode.createTTL : OpCode.create;
}

export function encodeMulti(w: JuteWriter, req: Extract<Request, { type: "multi" | "multiRead" }>, opCodes: readonly number[]): void {
  req.ops.forEach((op, i) => {
    const type = opCodes[i] ?? OpCode.error;
    writeMultiHeader(w, { type, done: false, err: -1 });
    switch (op.type) {
      case "create":
        return encodeCreate(w, op, type);
      case "delete":
      case "check":
        w.string(op.path).int(op.version);
        return;
      case "setData":
        w.string(op.path).buffer(op.data).int(op.version);
        return;
      case "getData":
      case "getChildren":
        w.string(op.path).bool(op.watch);
        return;
    }
  });
  writeMultiHeader(w, MULTI_END);
}

/** Server side: a MultiResponse for a multi (create results shaped by each op's code). */
export function encodeMultiResults(w: JuteWriter, results: readonly MultiResult[], opCodes: readonly number[]): void {
  results.forEach((res, i) => {
    switch (res.type) {
      case "error":
        return writeErrorResult(w, res.err);
      case "create": {
        const plain = opCodes[i] === OpCode.create;
        writeMultiHeader(w, { type: plain ? OpCode.create : OpCode.create2, done: false, err: 0 });
        w.string(res.path);
        if (!plain) writeStat(w, res.stat);
        return;
      }
      case "setData":
        writeMultiHeader(w, { type: OpCode.setData, done: false, err: 0 });
        writeStat(w, res.stat);
        return;
      case "delete":
      case "check":
        writeMultiHeader(w, { type: OpCode[res.type], done: false, err: 0 });
        return;
    }
  });
  writeMultiHeader(w, MULTI_END);
}

export function encodeMultiReadResults(w: JuteWriter, results: readonly MultiReadResult[]): void {
  for (const res of results) {
    if (res.type === "error") {
      writeErrorResult(w, res.err);
    } else if (res.type === "getData") {
      writeMultiHeader(w, { type: OpCode.getData, done: false, err: 0 });
      w.buffer(res.data);
      writeStat(w, res.stat);
    } else {
      writeMultiHeader(w, { type: OpCode.getChildren, done: false, err: 0 });
      w.strings(res.children);
    }
  }
  writeMultiHeader(w, MULTI_END);
}

/** ErrorResult: header type -1 carrying the code, then ErrorResponse(err) again. */
function writeErrorResult(w: JuteWriter, err: number): void {
  writeMultiHeader(w, { type: OpCode.error, done: false, err });
  w.int(err);
}

type AnyResult = MultiResult | MultiReadResult;

/** Client side: a MultiResponse of either kind; its result types are on the wire. */
export function decodeMultiResults(r: JuteReader): AnyResult[] {
  const results: AnyResult[] = [];
  for (let h = readMultiHeader(r); !h.done; h = readMultiHeader(r)) results.push(decodeResult(r, h.type));
  return results;
}

function decodeResult(r: JuteReader, type: number): AnyResult {
  switch (type) {
    // CreateResponse carries no Stat: the internal result gets EMPTY_STAT.
    case OpCode.create:
      return { type: "create", path: r.string("path"), stat: { ...EMPTY_STAT } };
    case OpCode.create2:
      return { type: "create", path: r.string("path"), stat: readStat(r) };
    case OpCode.delete:
      return { type: "delete" };
    case OpCode.check:
      return { type: "check" };
    case OpCode.setData:
      return { type: "setData", stat: readStat(r) };
    case OpCode.getChildren:
      return { type: "getChildren", children: r.strings("children") };
    case OpCode.getData:
      return { type: "getData", data: r.buffer("data"), stat: readStat(r) };
    case OpCode.error:
      return { type: "error", err: r.int("err") };
    default:
      throw juteError(R.BAD_MULTI, `result type ${type} in a multi response`);
  }
}
