import type { Message } from "@warden/consensus";
import type { Prng } from "./prng.js";

export interface NetworkFaults {
  delayMsMin: number;
  delayMsMax: number;
  slowRate: number;
  lossRate: number;
  duplicateRate: number;
}

/**
 * A network of any partition shape: each node sits in a group and only nodes of the same
 * group hear each other (checked on send and again on delivery). Messages are delayed,
 * lost, duplicated and reordered per the current faults.
 */
export class SimNetwork {
  private readonly groupOf = new Map<number, number>();
  faults: NetworkFaults;
  sent = 0;
  dropped = 0;

  constructor(
    private readonly prng: Prng,
    nodeIds: readonly number[],
    faults: NetworkFaults,
    private readonly schedule: (atDelayMs: number, m: Message) => void,
  ) {
    this.faults = faults;
    for (const id of nodeIds) this.groupOf.set(id, 0);
  }

  connected(a: number, b: number): boolean {
    return this.groupOf.get(a) === this.groupOf.get(b);
  }

  send(m: Message): void {
    this.sent++;
    const f = this.faults;
    if (!this.connected(m.from, m.to) || this.prng.chance(f.lossRate)) {
      this.dropped++;
      return;
    }
    const copies = this.prng.chance(f.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = this.prng.range(f.delayMsMin, f.delayMsMax);
      if (this.prng.chance(f.slowRate)) delay *= this.prng.range(2, 10);
      this.schedule(delay, m);
    }
  }

  /** A partition of any shape: each node in a random one of up to `nodes` groups. */
  partitionRandomly(nodeIds: readonly number[]): string {
    const groups = this.prng.range(2, nodeIds.length);
    for (const id of nodeIds) this.groupOf.set(id, this.prng.int(groups));
    return nodeIds.map((id) => `${id}:${this.groupOf.get(id)}`).join(" ");
  }

  /** Cut one node off from everyone. */
  isolate(id: number): void {
    this.groupOf.set(id, 1000 + id);
  }

  heal(): void {
    for (const id of this.groupOf.keys()) this.groupOf.set(id, 0);
  }
}
