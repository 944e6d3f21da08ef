// The ZooKeeper port's reply shapes: queued in arrival order, taken by xid (the first with it).
import { describe, expect, it } from "vitest";
import { OpCode } from "@warden/protocol";
import { ShapeQueue } from "../src/net/zk-listener.js";

describe("ShapeQueue", () => {
  it("gives each reply its request's shape in order, repeated xids (pings) first in first out", () => {
    const q = new ShapeQueue();
    q.push(1, { opCode: OpCode.exists });
    q.push(-2, { opCode: OpCode.ping });
    q.push(-2, { opCode: OpCode.ping, multiOpCodes: [] });
    q.push(2, { opCode: OpCode.getData });
    expect(q.take(1)).toEqual({ opCode: OpCode.exists });
    expect(q.take(-2)).toEqual({ opCode: OpCode.ping });
    expect(q.take(-2)).toEqual({ opCode: OpCode.ping, multiOpCodes: [] });
    expect(q.take(2)).toEqual({ opCode: OpCode.getData });
    expect(q.size).toBe(0);
    expect(q.take(2)).toBeUndefined();
  });

  it("finds a shape out of order (a request that got no reply stays behind) and the last one with an xid", () => {
    const q = new ShapeQueue();
    q.push(7, { opCode: OpCode.create });
    q.push(8, { opCode: OpCode.multi, multiOpCodes: [OpCode.create] });
    q.push(8, { opCode: OpCode.multi, multiOpCodes: [OpCode.delete] });
    expect(q.last(8)).toEqual({ opCode: OpCode.multi, multiOpCodes: [OpCode.delete] });
    expect(q.take(8)).toEqual({ opCode: OpCode.multi, multiOpCodes: [OpCode.create] });
    expect(q.size).toBe(2);
    expect(q.take(7)).toEqual({ opCode: OpCode.create });
    expect(q.last(7)).toBeUndefined();
  });

  it("stays as long as what is outstanding over a long run (taken entries are dropped)", () => {
    const q = new ShapeQueue();
    for (let xid = 1; xid <= 100_000; xid++) {
      q.push(xid, { opCode: OpCode.exists });
      if (xid > 10) expect(q.take(xid - 10)).toEqual({ opCode: OpCode.exists });
    }
    expect(q.size).toBe(10);
    expect((q as unknown as { xids: number[] }).xids.length).toBeLessThanOrEqual(2 * 1024 + 20);
  });
});
