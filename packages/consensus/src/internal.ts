// @warden/consensus/internal: what only the simulation in @warden/testing and tests use (bugs
// planted on purpose to prove the checkers catch them, message formatting for traces, the exact
// size of a message). Not part of the public API: only @warden/testing may import it
// (packages/arrows.json, checked by test/architecture.test.ts).
export type { PlantedBugs } from "./config.js";
export { formatMessage, formatEntries, formatMembership, shortZxid } from "./format.js";
export { messageBytesBound } from "./size.js";
