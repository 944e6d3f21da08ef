// The sasl ACL scheme as ZooKeeper's SASLAuthenticationProvider: an identity ("sasl", name)
// matches an ACL id equal to it; the SASL user named "super" matches every sasl ACL; ids are
// valid by KerberosName's rule.
import { describe, expect, it } from "vitest";
import { Perms, type ACL, type Id } from "@warden/protocol";
import { checkACL, fixupACL } from "@warden/tree";

const aliceOnly: ACL[] = [{ perms: Perms.ALL, id: { scheme: "sasl", id: "alice" } }];
const as = (name: string): Id[] => [
  { scheme: "ip", id: "127.0.0.1" },
  { scheme: "sasl", id: name },
];

describe("the sasl ACL scheme", () => {
  it("allows the named SASL user and nobody else", () => {
    expect(checkACL(aliceOnly, Perms.READ, as("alice"))).toBe(true);
    expect(checkACL(aliceOnly, Perms.READ, as("bob"))).toBe(false);
    expect(checkACL(aliceOnly, Perms.READ, [{ scheme: "ip", id: "127.0.0.1" }])).toBe(false);
  });

  it("is not matched by a digest identity of the same name", () => {
    expect(checkACL(aliceOnly, Perms.READ, [{ scheme: "digest", id: "alice" }])).toBe(false);
  });

  it("lets the SASL user named super through every sasl ACL (SASLAuthenticationProvider.matches), not other schemes", () => {
    expect(checkACL(aliceOnly, Perms.WRITE, as("super"))).toBe(true);
    expect(checkACL([{ perms: Perms.ALL, id: { scheme: "ip", id: "10.0.0.1" } }], Perms.READ, as("super"))).toBe(false);
  });

  it("accepts sasl ids by KerberosName's rule and refuses a malformed principal", () => {
    for (const id of ["alice", "alice@EXAMPLE.COM", "zk/host@EXAMPLE.COM", "a/b", ""]) {
      expect(fixupACL("/n", [], [{ perms: Perms.ALL, id: { scheme: "sasl", id } }])).toEqual([
        { perms: Perms.ALL, id: { scheme: "sasl", id } },
      ]);
    }
    for (const id of ["a@b@c", "a/b/c@R"]) {
      expect(() => fixupACL("/n", [], [{ perms: Perms.ALL, id: { scheme: "sasl", id } }])).toThrow(/INVALID_ACL/);
    }
  });

  it("expands the auth scheme to the session's sasl identity", () => {
    expect(fixupACL("/n", as("alice"), [{ perms: Perms.READ, id: { scheme: "auth", id: "" } }])).toEqual([
      { perms: Perms.READ, id: { scheme: "sasl", id: "alice" } },
    ]);
  });
});
