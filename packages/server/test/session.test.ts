import { describe, expect, it } from "vitest";
import { SessionTracker, negotiateTimeoutMs } from "../src/session/tracker.js";
import { SessionOrder } from "../src/session/order.js";

describe("session tracker", () => {
  it("expires a session only after its timeout, rounded up to the next tick", () => {
    const t = new SessionTracker(100);
    t.add(1n, 250, 1000); // deadline ceil(1250/100)*100 = 1300
    expect(t.expire(1299)).toEqual([]);
    expect(t.expire(1300)).toEqual([1n]);
    expect(t.expire(5000)).toEqual([]); // reported once
  });

  it("a touch pushes the deadline out, and cannot revive a closing session", () => {
    const t = new SessionTracker(100);
    t.add(1n, 300, 0);
    t.add(2n, 300, 0);
    expect(t.touch(1n, 200)).toBe(true);
    expect(t.expire(300)).toEqual([2n]);
    expect(t.touch(2n, 300)).toBe(false);
    expect(t.expire(499)).toEqual([]);
    expect(t.expire(500)).toEqual([1n]);
  });

  it("forgets removed sessions", () => {
    const t = new SessionTracker(10);
    t.add(7n, 20, 0);
    t.remove(7n);
    expect(t.expire(1000)).toEqual([]);
    expect(t.touch(7n, 0)).toBe(false);
    expect(t.size).toBe(0);
  });

  it("a session's owner is the first server to claim it, and a request sent by any other server has moved (ZooKeeper's checkSession)", () => {
    const t = new SessionTracker(100);
    t.add(1n, 1000, 0);
    expect(t.get(1n)!.owner).toBeNull();
    expect(t.checkOwner(1n, 2)).toBe("ok"); // claimed by server 2
    expect(t.checkOwner(1n, 2)).toBe("ok");
    expect(t.checkOwner(1n, 3)).toBe("moved");
    expect(t.get(1n)!.owner).toBe(2);
  });

  it("setOwner moves a session to the server it reattached to; the old server's requests have moved", () => {
    const t = new SessionTracker(100);
    t.add(1n, 1000, 0, 2);
    expect(t.setOwner(1n, 3)).toBe(true);
    expect(t.checkOwner(1n, 2)).toBe("moved");
    expect(t.checkOwner(1n, 3)).toBe("ok");
  });

  it("an unknown or closing session has no owner to set or check", () => {
    const t = new SessionTracker(100);
    expect(t.setOwner(9n, 1)).toBe(false);
    expect(t.checkOwner(9n, 1)).toBe("unknown");
    t.add(1n, 1000, 0, 2);
    t.setClosing(1n);
    expect(t.setOwner(1n, 3)).toBe(false);
    expect(t.checkOwner(1n, 3)).toBe("closing");
  });

  it("negotiates timeouts into the server's bounds", () => {
    expect(negotiateTimeoutMs(1000, 4000, 40000)).toBe(4000);
    expect(negotiateTimeoutMs(10000, 4000, 40000)).toBe(10000);
    expect(negotiateTimeoutMs(100000, 4000, 40000)).toBe(40000);
  });
});

describe("session order", () => {
  it("answers in arrival order, reads waiting behind earlier writes", () => {
    const sent: string[] = [];
    let value = "old";
    const o = new SessionOrder<string>((_p, r) => sent.push(r), 10);
    const w1 = o.write();
    o.read(() => `read ${value}`);
    const w2 = o.write();
    expect(sent).toEqual([]);
    value = "new";
    o.complete(w2, "w2"); // out of order completion is held back
    expect(sent).toEqual([]);
    o.complete(w1, "w1");
    expect(sent).toEqual(["w1", "read new", "w2"]);
    o.read(() => "immediate");
    expect(sent.at(-1)).toBe("immediate");
    expect(o.outstanding).toBe(0);
  });

  it("refuses to complete a request twice", () => {
    const o = new SessionOrder<string>(() => {}, 10);
    const w = o.write();
    o.complete(w, "a");
    expect(() => o.complete(w, "b")).toThrow(/twice/);
  });
});
