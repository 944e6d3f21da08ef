// CreateRequest / CreateTTLRequest, shared by the lone create ops and multi; and the
// refusal of a well-formed request that ZooKeeper answers with an error code.
import { ErrorCode, OpCode, isCreateMode } from "../codes.js";
import type { CreateRequest } from "../messages.js";
import type { JuteReader } from "./reader.js";
import { readACL, writeACL } from "./records.js";
import type { JuteWriter } from "./writer.js";

/** Why a well-formed request is refused; the reply carries `err`. */
export interface Refusal {
  refused: true;
  err: number;
  closeSession: boolean;
  message: string;
}
export const refuse = (err: number, message: string, closeSession = false): Refusal => ({ refused: true, err, closeSession, message });
export const isRefusal = (x: unknown): x is Refusal => typeof x === "object" && x !== null && "refused" in x;

/** CreateRequest (create, create2, createContainer) and CreateTTLRequest (createTTL). */
export function decodeCreate(r: JuteReader, opCode: number): CreateRequest | Refusal {
  const path = r.string("path");
  const data = r.buffer("data");
  const acl = readACL(r);
  const flags = r.int("flags");
  const ttl = opCode === OpCode.createTTL ? r.longNumber("ttl") : undefined;
  // ZooKeeper: CreateMode.fromFlag throws BadArgumentsException, answered as an error reply.
  if (!isCreateMode(flags)) return refuse(ErrorCode.BAD_ARGUMENTS, `invalid create flags ${flags}`);
  const request: CreateRequest = { type: "create", path, data, acl, mode: flags };
  if (ttl !== undefined) request.ttl = ttl;
  return request;
}

export function encodeCreate(w: JuteWriter, req: CreateRequest, opCode: number): void {
  w.string(req.path).buffer(req.data);
  writeACL(w, req.acl);
  w.int(req.mode);
  if (opCode === OpCode.createTTL) w.longNumber(req.ttl ?? -1);
}

