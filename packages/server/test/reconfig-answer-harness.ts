// One server's reconfiguration integration over a scripted consensus replica: the role, the
// leader, the committed and pending configurations are set by the test; proposeMembership
// makes a pending one as the real replica does. For the tests of who answers a reconfig, when.
import { parseDynamicConfig, type DynamicConfig, type ReconfigRequest, type ServerMessage } from "@warden/protocol";
import type { Replica } from "@warden/consensus";
import { ReconfigIntegration } from "../src/reconfig/integration.js";
import { ReconfigGate, type ReconfigAnswer } from "../src/reconfig/gate.js";
import type { Membership } from "../src/reconfig/membership.js";

export const ANSWER_WITHIN_MS = 3000;

export const threeServers = parseDynamicConfig(
  "server.1=a:1:2:participant;a:3\nserver.2=b:1:2:participant;b:3\nserver.3=c:1:2:participant;c:3\nversion=0",
);

type Config = { version: bigint; voters: number[]; observers: number[]; hostData?: Uint8Array };

export function request(fields: Partial<Omit<ReconfigRequest, "type">>): ReconfigRequest {
  return { type: "reconfig", joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1n, ...fields };
}

/** Server `myId` of servers 1-3, following 1 unless told otherwise. */
export function server(myId: number, role: "leader" | "follower" = "follower") {
  const consensus = {
    role: role as string,
    leaderId: (role === "leader" ? myId : 1) as number | null,
    committed: { version: 0n, voters: [1, 2, 3], observers: [] } as Config,
    pending: null as Config | null,
    /** The zxid the next proposal takes. */
    nextZxid: 0x100000010n,
  };
  let current: DynamicConfig = threeServers;
  const membership = {
    get current() {
      return current;
    },
    get text() {
      return `${current.servers.map((s) => `server.${s.id}`).join("\n")}\nversion=${current.version.toString(16)}`;
    },
    replace: (next: DynamicConfig) => void (current = next),
    distributed: true,
  } as unknown as Membership;
  const proposals: { next: unknown; fromVersion: bigint | undefined }[] = [];
  const replica = {
    status: () => ({ role: consensus.role, leaderId: consensus.leaderId }),
    membership: () => ({ committed: consensus.committed, pending: consensus.pending }),
    proposeMembership: (next: Omit<Config, "version">, fromVersion?: bigint) => {
      proposals.push({ next, fromVersion });
      if (consensus.role !== "leader") return { ok: false, reason: "not-leader" };
      if (consensus.pending !== null) return { ok: false, reason: "in-progress" };
      if (fromVersion !== undefined && fromVersion !== consensus.committed.version) return { ok: false, reason: "bad-version" };
      const zxid = consensus.nextZxid++;
      consensus.pending = { ...next, version: zxid };
      return { ok: true, zxid };
    },
  } as unknown as Replica;
  const sent: { to: number; m: ServerMessage }[] = [];
  const logs: string[] = [];
  const gate: ReconfigGate = new ReconfigGate({
    reconfigEnabled: true,
    standaloneEnabled: true,
    skipACL: true,
    membership,
    configNode: () => ({ acl: [], stat: { mzxid: current.version } as never }),
    syncedIds: () => (consensus.role === "leader" ? new Set([1, 2, 3]) : undefined),
    lastSeenVersion: () => integration.lastSeenVersion(),
    nextZxid: () => consensus.nextZxid,
    log: (l) => logs.push(l),
    apply: (plan, done, proposed) => integration.apply(plan, done, proposed),
    forward: (r, who, done) => integration.forward(r, who, done),
  });
  const integration: ReconfigIntegration = new ReconfigIntegration({
    myId,
    replica: () => replica,
    kick: () => undefined,
    membership,
    gate: () => gate,
    configStat: () => ({ mzxid: current.version }) as never,
    sendToPeer: (to, m) => void sent.push({ to, m }),
    setPeers: () => undefined,
    ids: [1, 2, 3],
    dynamicConfigFile: undefined,
    answerWithinMs: ANSWER_WITHIN_MS,
    log: (l) => logs.push(l),
  });
  const answers: ReconfigAnswer[] = [];
  /** A client's reconfig asked of this server; its answers land in `answers`. */
  const ask = (r: ReconfigRequest) => gate.handle(r, { superuser: true, identities: [] }, (a) => answers.push(a));
  /** The configuration of `version` commits and is applied here. */
  const commit = (c: Config) => {
    consensus.committed = c;
    if (consensus.pending?.version === c.version) consensus.pending = null;
    integration.changed(integration_status());
    integration.applied({ zxid: c.version, payload: null, membership: c } as never);
  };
  const integration_status = () => ({ committed: consensus.committed, pending: consensus.pending }) as never;
  /** Consensus reports the configurations that count (after an append, a truncation, a commit). */
  const changed = () => integration.changed(integration_status());
  return { consensus, integration, gate, sent, answers, ask, commit, changed, proposals, logs, membership };
}

export const lastRequestId = (sent: { m: ServerMessage }[]): number => (sent.at(-1)!.m as { requestId: number }).requestId;
