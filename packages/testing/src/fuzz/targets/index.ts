// The targets: one list of families per port.
import type { AnyFamily } from "../family.js";
import type { TargetName } from "../options.js";
import { juteFamilies } from "./jute.js";
import { nativeFamilies } from "./native.js";
import { adminFamilies } from "./admin.js";
import { peerFamilies } from "./peer.js";

const families: Record<TargetName, readonly AnyFamily[]> = {
  jute: juteFamilies,
  native: nativeFamilies,
  admin: adminFamilies,
  peer: peerFamilies,
};

export const targetFamilies = (t: TargetName): readonly AnyFamily[] => families[t];
/** The peer target's server runs with server.N lines and an ensemble secret. */
export const targetNeedsPeers = (t: TargetName): boolean => t === "peer";
