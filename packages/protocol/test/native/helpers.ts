import { Encoder } from "cbor-x";
import { expect } from "vitest";
import { DecodeError, EncodeError, type CodecError } from "@warden/protocol";

const raw = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, pack: false, structuredClone: false });

/** CBOR of any value, bypassing the codec's frame types: for writing malformed frames. */
export function cbor(value: unknown): Uint8Array {
  return raw.encode(value);
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** Asserts that `fn` throws a codec error of class `type` (DecodeError, EncodeError) with `reason`, and returns it. */
export function expectCodecError<E extends CodecError>(fn: () => unknown, type: abstract new (...args: never[]) => E, reason: string): E {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(type);
  const error = thrown as E;
  expect(error.reason).toBe(reason);
  expect(error.code).toBe(reason);
  expect(error.zkCode).toBe(-5); // MARSHALLING_ERROR
  return error;
}

/** Asserts that `decode` throws a DecodeError with `reason`, and returns it. */
export function expectDecodeError(decode: () => unknown, reason: string): DecodeError {
  return expectCodecError(decode, DecodeError, reason);
}

/** Asserts that `encode` refuses its frame: EncodeError WARDEN_ERR_FRAME_TOO_LARGE. */
export function expectFrameTooLarge(encode: () => unknown): EncodeError {
  return expectCodecError(encode, EncodeError, "WARDEN_ERR_FRAME_TOO_LARGE");
}
