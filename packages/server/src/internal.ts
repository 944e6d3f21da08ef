// @warden/server/internal: the replicated core and its record codec, for the deterministic
// simulation in @warden/testing and for tests. Not part of the server's public API: only
// @warden/testing may import it (packages/arrows.json, checked by test/architecture.test.ts).
export { WardenNode, type NodeHooks, type ServerMessage } from "./core/node.js";
export { encodeRecord, decodeRecord } from "./core/record.js";
export type { LocalSession, Reply } from "./core/local-session.js";
