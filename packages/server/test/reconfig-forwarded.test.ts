// A reconfig a follower forwarded: its answer waits for the configuration to be in force here,
// and a leader change (the removed leader handing over) does not fail an answer whose
// configuration this server already knows committed but has not applied yet.
import { describe, expect, it } from "vitest";
import { parseDynamicConfig, type ServerMessage } from "@warden/protocol";
import type { Replica } from "@warden/consensus";
import { ReconfigIntegration } from "../src/reconfig/integration.js";
import type { Membership } from "../src/reconfig/membership.js";
import type { ReconfigAnswer } from "../src/reconfig/gate.js";

const three = parseDynamicConfig(
  "server.1=a:1:2:participant;a:3\nserver.2=b:1:2:participant;b:3\nserver.3=c:1:2:participant;c:3\nversion=0",
);

function follower() {
  const consensus = {
    role: "follower" as string,
    leaderId: 1 as number | null,
    committed: { version: 0n, voters: [1, 2, 3], observers: [] as number[] },
    pending: null as null | { version: bigint; voters: number[]; observers: number[] },
  };
  let current = three;
  const membership = {
    get current() {
      return current;
    },
    get text() {
      return `version=${current.version}`;
    },
    replace: (next: typeof three) => void (current = next),
    distributed: true,
  } as unknown as Membership;
  const replica = {
    status: () => ({ role: consensus.role, leaderId: consensus.leaderId }),
    membership: () => ({ committed: consensus.committed, pending: consensus.pending }),
  } as unknown as Replica;
  const sent: ServerMessage[] = [];
  const integration = new ReconfigIntegration({
    myId: 2,
    replica: () => replica,
    kick: () => undefined,
    membership,
    gate: () => {
      throw new Error("a follower forwards");
    },
    configStat: () => ({ mzxid: current.version }) as never,
    sendToPeer: (_to, m) => void sent.push(m),
    setPeers: () => undefined,
    ids: [1, 2, 3],
    dynamicConfigFile: undefined,
    answerWithinMs: 60_000,
    log: () => undefined,
  });
  return { consensus, integration, sent };
}

describe("a forwarded reconfig across the removed leader's handover", () => {
  it("is answered once applied when the commit is known here before the leader changes", () => {
    const { consensus, integration, sent } = follower();
    const answers: ReconfigAnswer[] = [];
    expect(
      integration.forward(
        { joiningServers: null, leavingServers: "1", newMembers: null, curConfigId: -1n } as never,
        { superuser: true, identities: [] },
        (a) => answers.push(a),
      ),
    ).toBe(true);
    const requestId = (sent[0] as { requestId: number }).requestId;
    const version = 0x100000005n;
    // The leader answers: committed as `version`. This server knows the commit, not yet applied.
    integration.onMessage(1, { type: "reconfig-result", requestId, err: 0, version, message: "" } as never);
    consensus.committed = { version, voters: [2, 3], observers: [] };
    // Server 1 hands over: 3 leads.
    consensus.leaderId = 3;
    integration.leadershipChanged();
    expect(answers).toEqual([]);
    integration.applied({ membership: { version, voters: [2, 3], observers: [] } } as never);
    expect(answers.map((a) => a.err)).toEqual([0]);
  });

  it("fails with CONNECTION_LOSS when the leader changes and the configuration is not known committed or pending here", () => {
    const { consensus, integration, sent } = follower();
    const answers: ReconfigAnswer[] = [];
    integration.forward(
      { joiningServers: null, leavingServers: "1", newMembers: null, curConfigId: -1n } as never,
      { superuser: true, identities: [] },
      (a) => answers.push(a),
    );
    integration.onMessage(1, {
      type: "reconfig-result",
      requestId: (sent[0] as { requestId: number }).requestId,
      err: 0,
      version: 0x100000005n,
      message: "",
    } as never);
    consensus.leaderId = 3;
    integration.leadershipChanged();
    expect(answers.map((a) => a.err)).toEqual([-4]);
  });
});
