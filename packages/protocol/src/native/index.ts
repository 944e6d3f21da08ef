export { NativeCodec } from "./codec.js";
export { frameBytesLowerBound } from "./frame-size.js";
export {
  CloseReason,
  type ClientFrame,
  type ServerFrame,
  type ConnectFrame,
  type RequestFrame,
  type ConnectedFrame,
  type ReplyFrame,
  type EventFrame,
  type CloseFrame,
} from "./frames.js";
export { DEFAULT_NATIVE_LIMITS, DATA_BYTES_MAX_DEFAULT, resolveNativeLimits, type NativeCodecLimits } from "./limits.js";
export { NativeDecodeReason } from "./reasons.js";
export { scanCbor, CBOR_DEPTH_MAX } from "./cbor-scan.js";
