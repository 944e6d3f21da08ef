// Late cells: the server's parts call each other both ways (the node proposes through the
// replication driver, whose commits the node applies), so a builder takes a part built after
// it as a Late cell, which it reads only when it is called, never while it builds.
import type { ReplicationDriver } from "../core/replication.js";
import type { ReconfigIntegration } from "../reconfig/integration.js";
import type { PeerTransport } from "../peer/transport.js";

/** A part set once, after the parts that hold this cell were built; read when they call it. */
export class Late<T> {
  #value: T | undefined;

  constructor(readonly name: string) {}

  set(value: T): void {
    if (this.#value !== undefined) throw new Error(`BUG: the ${this.name} was built twice`);
    this.#value = value;
  }

  /** The part; reading it before it is built is a bug in the order of start-up. */
  get(): T {
    if (this.#value === undefined) throw new Error(`BUG: the ${this.name} was used before it was built`);
    return this.#value;
  }

  /** The part, or undefined before it is built (or when the server has none: a standalone server has no peer transport). */
  get maybe(): T | undefined {
    return this.#value;
  }
}

/** The parts built after parts that call them: the driver (called by the node, gate and context), the peer transport and the reconfig integration. */
export interface LateParts {
  readonly driver: Late<ReplicationDriver>;
  readonly transport: Late<PeerTransport>;
  readonly integration: Late<ReconfigIntegration>;
}

export function lateParts(): LateParts {
  return {
    driver: new Late("replication driver"),
    transport: new Late("peer transport"),
    integration: new Late("reconfig integration"),
  };
}
