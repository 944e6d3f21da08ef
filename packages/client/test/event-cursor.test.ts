import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EventType, KeeperState, type WatchEvent } from "@warden/protocol";
import { EventCursor } from "../src/event-cursor.js";

const ev = (zxid: bigint, type: EventType, path: string, catchUp = false): WatchEvent => ({
  type,
  state: KeeperState.SyncConnected,
  path,
  zxid,
  ...(catchUp ? { catchUp } : {}),
});

describe("the event cursor: where a reattach resumes, and which replayed events the client already had", () => {
  it("resumes after a reply's zxid: every event up to it has arrived (watch before data)", () => {
    const c = new EventCursor();
    expect(c.accept(ev(5n, EventType.NodeDataChanged, "/a"))).toBe(true);
    c.onReply(9n);
    expect(c.resume()).toBe(9n);
    expect(c.accept(ev(10n, EventType.NodeDataChanged, "/a"))).toBe(true);
  });

  it("resumes from the newest change when its events may be cut short, and drops the copies it had", () => {
    const c = new EventCursor();
    c.onReply(4n);
    c.accept(ev(5n, EventType.NodeCreated, "/r/a"));
    // A later change's events mean change 5's are complete; change 7 fired two, one arrived.
    c.accept(ev(7n, EventType.NodeDataChanged, "/r/a"));
    expect(c.completeZxid).toBe(5n);
    expect(c.resume()).toBe(6n);
    // The server replays change 7 whole: the copy is dropped, the missing event delivered.
    expect(c.accept(ev(7n, EventType.NodeDataChanged, "/r/a"))).toBe(false);
    expect(c.accept(ev(7n, EventType.NodeDeleted, "/r/a/b"))).toBe(true);
    expect(c.accept(ev(8n, EventType.NodeDataChanged, "/r/a"))).toBe(true);
  });

  it("counts copies: a change that fired the same event twice, of which one arrived, gets the second", () => {
    const c = new EventCursor();
    c.accept(ev(3n, EventType.NodeDataChanged, "/r"));
    expect(c.resume()).toBe(2n);
    expect(c.accept(ev(3n, EventType.NodeDataChanged, "/r"))).toBe(false);
    expect(c.accept(ev(3n, EventType.NodeDataChanged, "/r"))).toBe(true);
  });

  it("drops nothing once a reply completed the newest change", () => {
    const c = new EventCursor();
    c.accept(ev(3n, EventType.NodeDataChanged, "/r"));
    c.onReply(3n);
    expect(c.resume()).toBe(3n);
    expect(c.accept(ev(4n, EventType.NodeDataChanged, "/r"))).toBe(true);
  });

  it("is not moved by catch-up or EventsLost events, which no single change fired", () => {
    const c = new EventCursor();
    c.onReply(4n);
    expect(c.accept(ev(9n, EventType.NodeDataChanged, "/once", true))).toBe(true);
    expect(c.accept(ev(9n, EventType.EventsLost, "/p"))).toBe(true);
    expect(c.resume()).toBe(4n);
  });

  it("starts again from nothing for a new session", () => {
    const c = new EventCursor();
    c.accept(ev(3n, EventType.NodeDataChanged, "/r"));
    c.reset();
    expect(c.resume()).toBe(0n);
    expect(c.accept(ev(3n, EventType.NodeDataChanged, "/r"))).toBe(true);
  });
});

// The model: a server's stream of frames (each change's events, then maybe a reply) cut at
// any point; the server replays every event after the resume point; what the client
// delivers in all is exactly the stream's events, once each, in order.
type Frame = { kind: "event"; event: WatchEvent } | { kind: "reply"; zxid: bigint };
const changeEvents = fc.array(
  fc.tuple(fc.constantFrom(EventType.NodeCreated, EventType.NodeDataChanged, EventType.NodeDeleted), fc.constantFrom("/a", "/b")),
  { maxLength: 3 },
);

it("delivers every event once, in order, wherever the connection is cut (fast-check)", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(changeEvents, fc.boolean()), { maxLength: 12 }), fc.nat(), fc.nat(), (changes, cutAt, secondCutAt) => {
      const all: WatchEvent[] = [];
      const frames: Frame[] = [];
      changes.forEach(([events, replied], i) => {
        const zxid = BigInt(i + 1);
        for (const [type, path] of events) {
          const event = ev(zxid, type, path);
          all.push(event);
          frames.push({ kind: "event", event });
        }
        if (replied) frames.push({ kind: "reply", zxid });
      });
      const c = new EventCursor();
      const delivered: WatchEvent[] = [];
      const feed = (fs: Frame[]) => {
        for (const f of fs) {
          if (f.kind === "reply") c.onReply(f.zxid);
          else if (c.accept(f.event)) delivered.push(f.event);
        }
      };
      const replayAfter = (zxid: bigint): Frame[] => all.filter((e) => e.zxid > zxid).map((event) => ({ kind: "event", event }));
      // First connection cut somewhere; the second connection's replay cut too; the third completes.
      feed(frames.slice(0, cutAt % (frames.length + 1)));
      const second = replayAfter(c.resume());
      feed(second.slice(0, secondCutAt % (second.length + 1)));
      feed(replayAfter(c.resume()));
      expect(delivered).toEqual(all);
    }),
    { numRuns: 500 },
  );
});
