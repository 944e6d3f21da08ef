import type { Message } from "@warden/consensus";
import type { ServerMessage } from "@warden/server/internal";
import type { WriteRecord } from "./clients.js";
import type { CampaignAttempt } from "./failover.js";
import type { SimNode } from "./node.js";

/** Everything that happens in a simulation, at a simulated time. */
export type SimEvent =
  | { readonly kind: "tick"; readonly node: SimNode; readonly generation: number }
  | { readonly kind: "deliver"; readonly message: Message }
  | { readonly kind: "fsync"; readonly node: SimNode; readonly generation: number }
  | { readonly kind: "drain"; readonly node: SimNode; readonly generation: number }
  | { readonly kind: "resume"; readonly node: SimNode; readonly generation: number }
  | { readonly kind: "release"; readonly node: SimNode; readonly generation: number }
  | { readonly kind: "client"; readonly client: number }
  | { readonly kind: "timeout"; readonly write: WriteRecord; readonly client: number }
  | { readonly kind: "fault" }
  | { readonly kind: "leader-lost"; readonly node: SimNode; readonly generation: number; readonly leaderId: number }
  | { readonly kind: "campaign"; readonly attempt: CampaignAttempt }
  | { readonly kind: "restart"; readonly node: SimNode }
  | { readonly kind: "server"; readonly from: number; readonly to: number; readonly message: ServerMessage };
