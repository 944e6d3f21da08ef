import { describe, expect, it } from "vitest";
import { ConsensusConfigError, Replica } from "../src/index.js";
import type { Ready } from "../src/index.js";

function configError(f: () => unknown): ConsensusConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConsensusConfigError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("configuration is refused at start with a clear, typed error", () => {
  it("an even number of voters", () => {
    const e = configError(() => new Replica({ id: 1, voters: [1, 2] }));
    expect(e.reason).toBe("WARDEN_ERR_CONFIG_EVEN_VOTERS");
    expect(e.message).toMatch(/must be odd/);
    expect(e.code).toBe("BAD_ARGUMENTS");
  });
  it("duplicate ids, a voter that is also an observer, an id outside the ensemble", () => {
    expect(configError(() => new Replica({ id: 1, voters: [1, 1, 2] })).reason).toBe("WARDEN_ERR_CONFIG_DUPLICATE_ID");
    expect(configError(() => new Replica({ id: 1, voters: [1, 2, 3], observers: [3] })).reason).toBe("WARDEN_ERR_CONFIG_OVERLAP");
    expect(configError(() => new Replica({ id: 9, voters: [1, 2, 3] })).reason).toBe("WARDEN_ERR_CONFIG_SELF");
    expect(configError(() => new Replica({ id: 1, voters: [] })).reason).toBe("WARDEN_ERR_CONFIG_NO_VOTERS");
  });
  it("heartbeats no faster than the election timeout", () => {
    expect(configError(() => new Replica({ id: 1, voters: [1], electionTicks: 3, heartbeatTicks: 3 })).reason).toBe("WARDEN_ERR_CONFIG_TICKS");
  });
});

/** Handle one Ready as a host would, persisting everything at once. */
function handle(r: Replica): Ready {
  const rd = r.ready();
  r.advance(rd);
  const last = rd.entries.at(-1)?.zxid;
  if (last !== undefined) r.persisted(last);
  return rd;
}

describe("a standalone server (one voter)", () => {
  it("elects itself and commits only after its own entries are durable", () => {
    const r = new Replica({ id: 1, voters: [1], random: 7 });
    r.campaign();
    expect(r.role).toBe("leader");
    expect(r.propose(new Uint8Array([1])).ok).toBe(false); // barrier not durable yet: not ready
    const first = r.ready();
    expect(first.hardState).toEqual({ epoch: 1, votedFor: 1 });
    expect(first.committed).toEqual([]);
    r.advance(first);
    r.persisted(first.entries.at(-1)!.zxid);
    const second = handle(r);
    expect(second.committed.map((e) => e.payload)).toEqual([null]);
    const p = r.propose(new Uint8Array([1]));
    expect(p).toEqual({ ok: true, zxid: (1n << 32n) | 1n });
  });

  it("refuses proposals beyond maxInflightProposals with 'busy'", () => {
    const r = new Replica({ id: 1, voters: [1], maxInflightProposals: 2 });
    r.campaign();
    handle(r);
    handle(r);
    expect(r.propose(new Uint8Array([1])).ok).toBe(true);
    expect(r.propose(new Uint8Array([2])).ok).toBe(true);
    expect(r.propose(new Uint8Array([3]))).toMatchObject({ ok: false, reason: "busy" });
  });

  it("restarts from durable state without voting twice in an epoch", () => {
    const r = new Replica({ id: 2, voters: [1, 2, 3], hardState: { epoch: 4, votedFor: 3 } });
    r.step({ type: "vote-request", from: 1, to: 2, epoch: 4, lastZxid: 0n });
    const rd = r.ready();
    expect(rd.messages).toEqual([{ type: "vote-response", from: 2, to: 1, epoch: 4, granted: false }]);
  });
});
