// The peer transport follows the configuration: a server outside it (a spare, a removed
// member) is refused, and its redials are logged once a minute, not each time; setPeers lets a
// new member in and dials it, and drops a removed one.
import { describe, expect, it } from "vitest";
import { addresses, peerTransport, until } from "./helpers/peer-net.js";

const secret = new TextEncoder().encode("membership-secret");

describe("peer transport and the configuration", () => {
  it("refuses a spare (logged once while it redials), lets it in once added, and drops it once removed", async () => {
    const peers = await addresses(3);
    const members = peers.slice(0, 2);
    const a = peerTransport(members, 1, secret);
    const b = peerTransport(members, 2, secret);
    const spare = peerTransport(peers, 3, secret);
    await Promise.all([a.t.start(), b.t.start(), spare.t.start()]);
    await until("the spare redialed several times", () => a.t.stats.closedCount("handshake-failed") >= 3);
    expect(a.logs.filter((l) => l.includes("unknown peer id 3"))).toHaveLength(1);

    await a.t.setPeers(peers);
    await b.t.setPeers(peers);
    a.t.send(3, "welcome");
    spare.t.send(1, "hello");
    await until(
      "both ways",
      () => spare.inbox.some(([from, m]) => from === 1 && m === "welcome") && a.inbox.some(([from, m]) => from === 3 && m === "hello"),
    );
    expect(a.t.links().map((l) => l.id)).toEqual([2, 3]);

    await a.t.setPeers(members);
    expect(a.t.links().map((l) => l.id)).toEqual([2]);
    a.t.send(3, "gone");
    const refusedBefore = a.t.stats.closedCount("handshake-failed");
    await until("the removed server is refused again", () => a.t.stats.closedCount("handshake-failed") > refusedBefore);
    expect(spare.inbox.some(([, m]) => m === "gone")).toBe(false);
  });
});
