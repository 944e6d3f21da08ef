// The refusal of a well-formed request that ZooKeeper answers with an error code, and the
// readers of fields whose null (length -1) ZooKeeper answers that way.
import { ErrorCode } from "../codes.js";
import { WardenError } from "../errors.js";
import type { JuteReader } from "./reader.js";

/** Why a well-formed request is refused; the reply carries `err`. */
export interface Refusal {
  refused: true;
  err: number;
  closeSession: boolean;
  message: string;
}
export const refuse = (err: number, message: string, closeSession = false): Refusal => ({ refused: true, err, closeSession, message });
export const isRefusal = (x: unknown): x is Refusal => typeof x === "object" && x !== null && "refused" in x;

/**
 * A null string (length -1) in a request that ZooKeeper answers with an error code instead
 * of dropping the connection: thrown by the field readers below, turned into a Refusal by
 * decodeRequest (the rest of the record is not read; its reply carries no body).
 */
export class NullFieldRefusal extends WardenError {
  constructor(readonly refusal: Refusal) {
    super({ code: "WARDEN_ERR_NULL_FIELD", zkCode: refusal.err, message: refusal.message });
  }
}

/**
 * A request's path. ZooKeeper answers a null one with an error, the code depending on where
 * its processing meets the null (captured from 3.8): MARSHALLING_ERROR where it dereferences
 * it (most ops, a create in a multi), BAD_ARGUMENTS where validatePath refuses it first
 * (setData, setACL), NO_WATCHER for removeWatches.
 */
export function requiredPath(r: JuteReader, err: number = ErrorCode.MARSHALLING_ERROR): string {
  const path = r.stringOrNull("path");
  if (path === null) throw new NullFieldRefusal(refuse(err, "null path"));
  return path;
}

/** Runs a record reader; a NullFieldRefusal it throws becomes its Refusal. */
export function refusingNulls<T>(read: () => T): T | Refusal {
  try {
    return read();
  } catch (e) {
    if (e instanceof NullFieldRefusal) return e.refusal;
    throw e;
  }
}
