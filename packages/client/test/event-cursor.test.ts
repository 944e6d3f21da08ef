import { describe, expect, it } from "vitest";
import { EventType, KeeperState, type WatchEvent } from "@warden/protocol";
import { EventCursor } from "../src/event-cursor.js";

const ev = (zxid: bigint, type: EventType, path: string, catchUp = false): WatchEvent => ({ type, state: KeeperState.SyncConnected, path, zxid, ...(catchUp ? { catchUp } : {}) });

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
