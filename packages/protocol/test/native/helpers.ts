import { Encoder } from "cbor-x";
import { expect } from "vitest";
import { DecodeError } from "@warden/protocol";

const raw = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, pack: false, structuredClone: false });

/** CBOR of any value, bypassing the codec's frame types: for writing malformed frames. */
export function cbor(value: unknown): Uint8Array {
  return raw.encode(value);
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** Asserts that `decode` throws a DecodeError with `reason`, and returns it. */
export function expectDecodeError(decode: () => unknown, reason: string): DecodeError {
  let thrown: unknown;
  try {
    decode();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DecodeError);
  const error = thrown as DecodeError;
  expect(error.reason).toBe(reason);
  expect(error.code).toBe("MARSHALLING_ERROR");
  return error;
}
