// The ZooKeeper client protocol (jute records over TCP). Pure: no I/O, no node: imports.
export * from "./types.js";
export * from "./reasons.js";
export { JuteFrameSplitter, JUTE_FRAME_BYTES_MAX_DEFAULT, type JuteFrameSplitterOptions } from "./frames.js";
export { FOUR_LETTER_WORDS, fourLetterWordOf, fourLetterWordOfInt, type FourLetterWord } from "./four-letter.js";
export { decodeConnectRequest, encodeConnectResponse, encodeConnectRequest, decodeConnectResponse } from "./connect.js";
export { decodeRequest, encodeRequest, encodeReconfigRequest, defaultOpCode, type OutgoingRequest } from "./requests.js";
export {
  encodeReply,
  encodeErrorReply,
  encodeSaslErrorReply,
  encodeNotification,
  decodeServerFrame,
  REPLY_HEADER_BYTES,
} from "./replies.js";
export { STAT_BYTES, MULTI_HEADER_BYTES } from "./records.js";
// For tools and tests that build frames ZooKeeper clients may send but the typed encoders do not (null strings).
export { JuteWriter } from "./writer.js";
