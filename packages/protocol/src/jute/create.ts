// CreateRequest / CreateTTLRequest, shared by the lone create ops and multi.
import { ErrorCode, OpCode, isCreateMode } from "../codes.js";
import type { CreateRequest } from "../messages.js";
import type { JuteReader } from "./reader.js";
import { readRequestACL, writeACL } from "./records.js";
import { refuse, requiredPath, type Refusal } from "./refusal.js";
import type { JuteWriter } from "./writer.js";

/** CreateRequest (create, create2, createContainer) and CreateTTLRequest (createTTL). */
export function decodeCreate(r: JuteReader, opCode: number): CreateRequest | Refusal {
  const path = requiredPath(r);
  const data = r.buffer("data");
  const acl = readRequestACL(r);
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
