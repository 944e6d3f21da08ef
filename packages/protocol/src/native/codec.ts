// The native codec: frames <-> bytes. Decoding checks the frame length first, then the CBOR
// structure (cbor-scan.ts), then lets cbor-x build values, then checks the schema and
// copies into fresh objects. Anything wrong is a DecodeError with a stable reason.
import { Decoder, Encoder } from "cbor-x";
import { EncodeError } from "../errors.js";
import { scanCbor } from "./cbor-scan.js";
import { frameBytesLowerBound } from "./frame-size.js";
import { isFields, readString } from "./fields.js";
import type { ClientFrame, ServerFrame } from "./frames.js";
import { resolveNativeLimits, type NativeCodecLimits } from "./limits.js";
import { NativeDecodeReason as R, decodeFailure } from "./reasons.js";
import { decodeClientFields } from "./client-frames.js";
import { decodeServerFields } from "./server-frames.js";

export class NativeCodec {
  readonly limits: Readonly<NativeCodecLimits>;
  readonly #encoder = new Encoder({
    useRecords: false,
    mapsAsObjects: true,
    tagUint8Array: false,
    pack: false,
    structuredClone: false,
    bundleStrings: false,
  });
  readonly #decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

  constructor(limits: Partial<NativeCodecLimits> = {}) {
    this.limits = resolveNativeLimits(limits);
  }

  encodeClientFrame(frame: ClientFrame): Uint8Array {
    return this.#encode(frame);
  }

  encodeServerFrame(frame: ServerFrame): Uint8Array {
    return this.#encode(frame);
  }

  /** Throws DecodeError (never anything else) when `bytes` is not a valid client frame. */
  decodeClientFrame(bytes: Uint8Array): ClientFrame {
    const [fields, kind] = this.#decodeEnvelope(bytes);
    return decodeClientFields(fields, kind, this.limits);
  }

  /** Throws DecodeError (never anything else) when `bytes` is not a valid server frame. */
  decodeServerFrame(bytes: Uint8Array): ServerFrame {
    const [fields, kind] = this.#decodeEnvelope(bytes);
    return decodeServerFields(fields, kind, this.limits);
  }

  /**
   * Refuses a frame whose lower bound already passes frameBytesMax before cbor-x sees it (cbor-x
   * would allocate about four times the frame first), then checks the exact size after.
   */
  #encode(frame: ClientFrame | ServerFrame): Uint8Array {
    const bytesMax = this.limits.frameBytesMax;
    const bytesAtLeast = frameBytesLowerBound(frame, bytesMax);
    if (bytesAtLeast > bytesMax) {
      throw new EncodeError(R.FRAME_TOO_LARGE, `${frame.kind} frame of at least ${bytesAtLeast} bytes exceeds frameBytesMax ${bytesMax}`);
    }
    const bytes = this.#encoder.encode(frame);
    if (bytes.length > bytesMax) {
      throw new EncodeError(R.FRAME_TOO_LARGE, `${frame.kind} frame of ${bytes.length} bytes exceeds frameBytesMax ${bytesMax}`);
    }
    return bytes;
  }

  #decodeEnvelope(bytes: Uint8Array): [Record<string, unknown>, string] {
    if (!(bytes instanceof Uint8Array)) throw decodeFailure(R.FRAME_KIND, "a frame must be binary");
    if (bytes.length > this.limits.frameBytesMax) {
      throw decodeFailure(R.FRAME_TOO_LARGE, `frame of ${bytes.length} bytes exceeds frameBytesMax ${this.limits.frameBytesMax}`);
    }
    scanCbor(bytes);
    let value: unknown;
    try {
      value = this.#decoder.decode(bytes);
    } catch (e) {
      // Unreachable after the scan, as far as we know; kept so that cbor-x never leaks an exception.
      throw decodeFailure(R.CBOR_MALFORMED, `CBOR: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isFields(value)) throw decodeFailure(R.FRAME_KIND, "a frame must be a CBOR map");
    return [value, readString(value, "kind", "frame", 64)];
  }
}
