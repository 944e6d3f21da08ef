// JSON as ZooKeeper's admin server writes it (Jackson): a 64-bit id is a number, never a
// string, even past 2^53. JSON.stringify cannot write a bigint, so each one is written as a
// marked string first and the marks are then taken off its digits.
const MARK = "\u0000bigint:";
const MARKED = new RegExp(`"${JSON.stringify(MARK).slice(1, -1).replace(/\\/g, "\\\\")}(-?\\d+)"`, "g");

export function adminJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? MARK + v.toString() : v), 2);
  return text.replace(MARKED, "$1");
}
