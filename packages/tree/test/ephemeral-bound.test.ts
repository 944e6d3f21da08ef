// A session's closeSession txn lists every ephemeral it owns, and a txn must fit one log
// entry: a client that created ephemerals with long names without end would make its own
// session's close stop every server (the append fails). The preparer bounds them.
import { describe, expect, it } from "vitest";
import { CreateMode, ErrorCode, OPEN_ACL_UNSAFE } from "@warden/protocol";
import { DataTree, EPHEMERAL_BYTES_PER_SESSION_MAX, Preparer, encodeTxn } from "../src/index.js";

describe("ephemeral paths per session", () => {
  it("refuses an ephemeral create past EPHEMERAL_BYTES_PER_SESSION_MAX with QUOTA_EXCEEDED, counting those prepared, and the close stays small", () => {
    const tree = new DataTree();
    const preparer = new Preparer(tree);
    let zxid = 1n;
    const next = () => zxid++;
    const session = 0x1234n;
    tree.apply(preparer.prepareCreateSession(session, 30_000, next(), 0));
    preparer.applied(zxid - 1n);
    const ctx = () => ({ sessionId: session, identities: [], zxid: next(), timeMs: 0 });
    const name = (n: number) => `/e-${String(n).padStart(6, "0")}-${"x".repeat(3980)}`;
    let created = 0;
    let refused = 0;
    // Half applied as they go, half left prepared: both count.
    for (let n = 0; n < 400; n++) {
      const txn = preparer.prepare(
        { type: "create", path: name(n), data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.EPHEMERAL },
        ctx(),
      );
      if (txn.body.type === "error") {
        expect(txn.body.code).toBe(ErrorCode.QUOTA_EXCEEDED);
        refused++;
        continue;
      }
      created++;
      if (n < 100) {
        tree.apply(txn);
        preparer.applied(txn.zxid);
      }
    }
    expect(created).toBeLessThanOrEqual(Math.floor(EPHEMERAL_BYTES_PER_SESSION_MAX / (3990 + 5)));
    expect(created).toBeGreaterThan(Math.floor(EPHEMERAL_BYTES_PER_SESSION_MAX / (3990 + 5)) - 5);
    expect(refused).toBe(400 - created);
    const close = preparer.prepare({ type: "closeSession" }, ctx());
    expect(close.body.type === "closeSession" && close.body.paths.length).toBe(created);
    expect(encodeTxn(close).length).toBeLessThan(8 * 1024 * 1024);
  });
});
