// IP addresses and CIDR matching for the "ip" ACL scheme, as ZooKeeper's
// IPAuthenticationProvider: an ACL id is "addr" or "addr/bits", IPv4 or IPv6, and a client
// address matches when both agree on the first `bits` bits.

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseGroups(s: string): number[] | undefined {
  if (s === "") return [];
  const groups: number[] = [];
  const parts = s.split(":");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes(".")) {
      const v4 = parseV4(p);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      groups.push(parseInt(p, 16));
    }
  }
  return groups;
}

function parseV6(s: string): Uint8Array | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** The address bytes (4 or 16) of an IPv4 or IPv6 literal, or undefined. */
export function parseIp(s: string): Uint8Array | undefined {
  // A zone ("%eth0") names an interface, not address bits; ZooKeeper drops it too.
  const zone = s.indexOf("%");
  const addr = zone >= 0 ? s.slice(0, zone) : s;
  return addr.includes(":") ? parseV6(addr) : parseV4(addr);
}

function parseCidr(expr: string): { addr: Uint8Array; bits: number } | undefined {
  const slash = expr.indexOf("/");
  const addr = parseIp(slash < 0 ? expr : expr.slice(0, slash));
  if (!addr) return undefined;
  if (slash < 0) return { addr, bits: addr.length * 8 };
  const bitsText = expr.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  return bits <= addr.length * 8 ? { addr, bits } : undefined;
}

/** ZooKeeper's IPAuthenticationProvider.isValid: "addr" or "addr/bits". */
export function isValidIpAclId(expr: string): boolean {
  return parseCidr(expr) !== undefined;
}

/** Whether client address `ip` lies in the ACL expression `expr` ("10.0.0.0/8", "::1"). */
export function ipMatches(ip: string, expr: string): boolean {
  const cidr = parseCidr(expr);
  const remote = parseIp(ip);
  if (!cidr || !remote || remote.length !== cidr.addr.length) return false;
  const whole = cidr.bits >> 3;
  for (let i = 0; i < whole; i++) if (remote[i] !== cidr.addr[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (remote[whole]! & mask) === (cidr.addr[whole]! & mask);
}
