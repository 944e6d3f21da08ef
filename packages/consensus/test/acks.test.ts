// What a follower answers, and when: each answer is a message the leader reads, so a follower
// answers with news (entries durable, a rejection) and keeps the rest to what liveness needs.
import { describe, expect, it } from "vitest";
import type { AppendRequest, AppendResponse, Message } from "../src/index.js";
import { TestNet } from "./net.js";

const config = { electionTicks: 8, heartbeatTicks: 2 };

const responsesFrom = (msgs: readonly Message[], id: number): AppendResponse[] =>
  msgs.filter((m): m is AppendResponse => m.type === "append-response" && m.from === id);
const appendsTo = (msgs: readonly Message[], id: number): AppendRequest[] =>
  msgs.filter((m): m is AppendRequest => m.type === "append" && m.to === id);

/** A net with 1 elected, quiet, and a tick begun in which every follower has answered already. */
function quietNet(): TestNet {
  const net = new TestNet([1, 2, 3], config);
  net.elect(1);
  net.propose(1); // the first append of the tick is answered at once; later ones are not
  net.sent.length = 0;
  return net;
}

describe("a follower's answers", () => {
  it("acknowledges entries once, when durable (acceptedZxid with them), and leaves commit notices unanswered", () => {
    const net = quietNet();
    net.propose(5);
    for (const id of [2, 3]) {
      const answers = responsesFrom(net.sent, id);
      const appends = appendsTo(net.sent, id);
      expect(appends.filter((m) => m.entries.length > 0)).toHaveLength(5);
      expect(appends.filter((m) => m.commitNotice === true).length).toBeGreaterThan(0);
      // One answer per proposal, each with news: its match moved, and equals what it accepted.
      expect(answers).toHaveLength(5);
      for (const [i, a] of answers.entries()) {
        expect(a.success).toBe(true);
        expect(a.matchZxid).toBe(a.acceptedZxid);
        if (i > 0) expect(a.matchZxid).toBeGreaterThan(answers[i - 1]!.matchZxid);
      }
    }
    net.deliver();
    expect(net.host(1).replica.commitZxid).toBe(net.host(1).replica.lastZxid);
  });

  it("answers every heartbeat, and the first append of each tick even when its disk never finishes", () => {
    const net = quietNet();
    net.stalledDisks.add(2);
    for (let t = 0; t < 6; t++) {
      net.sent.length = 0;
      net.tick();
      net.propose(2);
      net.deliver();
      const answers = responsesFrom(net.sent, 2);
      const heartbeats = appendsTo(net.sent, 2).filter((m) => m.entries.length === 0 && m.commitNotice !== true);
      // Every heartbeat, and the tick's first append whatever it is; nothing else (no entry is durable).
      expect(answers.length).toBeGreaterThanOrEqual(Math.max(heartbeats.length, 1));
      expect(answers.length).toBeLessThanOrEqual(heartbeats.length + 1);
    }
    expect(net.host(1).replica.role).toBe("leader");
  });

  it("a lost acknowledgement is made good within a tick, and the commit follows", () => {
    const net = quietNet();
    const lost = (m: Message): Message[] => (m.type === "append-response" ? [] : [m]);
    const leader = net.host(1).replica;
    leader.propose(new TextEncoder().encode("x"));
    net.process();
    net.deliver(lost); // the proposal reaches both followers; their acks...
    net.deliver(lost); // ...are lost
    expect(leader.commitZxid).toBeLessThan(leader.lastZxid);
    net.tick();
    net.deliver();
    net.deliver();
    expect(leader.commitZxid).toBe(leader.lastZxid);
  });
});
