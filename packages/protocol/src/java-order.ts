// The iteration orders of the Java maps behind ZooKeeper's configuration text, so that what
// Warden prints comes in the order ZooKeeper prints it: a HashMap<Long, QuorumServer> of
// members (QuorumMaj.toString) and a java.util.Properties, a ConcurrentHashMap since Java 9
// (ConfigUtils.getClientConfigStr, zkCli's `config -c`).

/** String.hashCode over UTF-16 code units. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Long.hashCode of a non-negative safe integer. */
function javaLongHash(v: number): number {
  const hi = Math.floor(v / 2 ** 32);
  return ((v % 2 ** 32) ^ hi) | 0;
}

/** HashMap.hash and ConcurrentHashMap.spread (the latter also clears the sign bit). */
const spread = (h: number) => (h ^ (h >>> 16)) & 0x7fffffff;

/**
 * Ids in the order a java.util.HashMap<Long, ...> filled in the given order iterates them:
 * by bucket, then by insertion (a resize keeps each bucket's relative order).
 */
export function javaHashMapOrder(ids: readonly number[]): number[] {
  let size = 16;
  while (ids.length > size * 0.75) size *= 2;
  const bucket = (id: number) => spread(javaLongHash(id)) & (size - 1);
  return ids
    .map((id, i) => ({ id, i, b: bucket(id) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.id);
}

interface ChmNode {
  hash: number;
  key: string;
  value: string;
}

/**
 * The entries of a java.util.Properties loaded in the given order, in its iteration order:
 * a ConcurrentHashMap of 16 bins (Properties' initial capacity 8), resized at 3/4 full, whose
 * transfer keeps the bin's last run in order and puts the nodes before it in front, reversed.
 * Bins of 8 and more (a tree bin, from colliding hashes) are not modelled: their order is
 * kept as inserted.
 */
export function javaPropertiesOrder(entries: ReadonlyArray<[string, string]>): Array<[string, string]> {
  let table: ChmNode[][] = Array.from({ length: 16 }, () => []);
  let count = 0;
  for (const [key, value] of entries) {
    const hash = spread(javaStringHash(key));
    const bin = table[hash & (table.length - 1)]!;
    const found = bin.find((n) => n.key === key);
    if (found) {
      found.value = value;
      continue;
    }
    bin.push({ hash, key, value });
    count++;
    if (count >= table.length - (table.length >>> 2)) table = transfer(table);
  }
  return table.flatMap((bin) => bin.map((n): [string, string] => [n.key, n.value]));
}

function transfer(table: ChmNode[][]): ChmNode[][] {
  const n = table.length;
  const next: ChmNode[][] = Array.from({ length: 2 * n }, () => []);
  table.forEach((bin, i) => {
    if (bin.length === 0) return;
    let runBit = bin[0]!.hash & n;
    let lastRun = 0;
    for (let j = 1; j < bin.length; j++) {
      const b = bin[j]!.hash & n;
      if (b !== runBit) {
        runBit = b;
        lastRun = j;
      }
    }
    const low: ChmNode[] = runBit === 0 ? bin.slice(lastRun) : [];
    const high: ChmNode[] = runBit === 0 ? [] : bin.slice(lastRun);
    for (let j = 0; j < lastRun; j++) (bin[j]!.hash & n ? high : low).unshift(bin[j]!);
    next[i] = low;
    next[i + n] = high;
  });
  return next;
}
