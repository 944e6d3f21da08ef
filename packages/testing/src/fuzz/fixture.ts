// The nodes a campaign creates before fuzzing, and the tidying between batches that keeps
// the tree (and so the server's memory) bounded: everything the fuzzer may have created is
// deleted, the fixture is left alone. The fixture is read-only to the world (its parent's
// ACL), so no fuzzed request can change what the probes read.
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from "@warden/protocol";
import type { Client } from "@warden/client";
import { WRITABLE_NODES, type Fixture } from "./family.js";

const ROOT = "/fuzz";
/** The fixture's paths; requests.ts names them directly. */
export const FIXTURE_PATHS = {
  small: `${ROOT}/small`,
  big: `${ROOT}/big`,
  writableParent: `${ROOT}/w`,
  sequentialParent: `${ROOT}/seq`,
  parentWithChildren: `${ROOT}/kids`,
  probe: `${ROOT}/probe`,
} as const;
const KEPT_AT_ROOT = new Set(["fuzz", "zookeeper"]);
const CHILDREN = 50;
/** Deletes per multi while tidying. */
const DELETE_BATCH = 1_000;
/** Depth of the subtrees tidying walks (the fuzzer's paths are shallower, except long ones it cannot create). */
const TIDY_DEPTH_MAX = 8;

export function fixtureFor(dataBytesMax: number): Fixture {
  return { ...FIXTURE_PATHS, smallData: new TextEncoder().encode("warden fuzz fixture"), bigBytes: dataBytesMax, childrenCount: CHILDREN };
}

export const writablePath = (f: Fixture, n: number): string => `${f.writableParent}/${n % WRITABLE_NODES}`;

export async function createFixture(client: Client, f: Fixture): Promise<void> {
  const readOnly = { acl: [...READ_ACL_UNSAFE] };
  await client.create(ROOT);
  await client.create(f.small, f.smallData, readOnly);
  await client.create(f.big, new Uint8Array(f.bigBytes).fill(0x5a), readOnly);
  await client.create(f.parentWithChildren);
  for (let n = 0; n < f.childrenCount; n++) await client.create(`${f.parentWithChildren}/c${n}`, `child ${n}`, readOnly);
  await client.setACL(f.parentWithChildren, [...READ_ACL_UNSAFE]);
  await client.create(f.writableParent);
  await client.create(f.sequentialParent);
  await client.create(f.probe, "", { acl: [...OPEN_ACL_UNSAFE] });
  // The world may read the fixture and write below w/ and seq/, nothing else under /fuzz.
  await client.setACL(ROOT, [...READ_ACL_UNSAFE]);
}

/** Deletes what fuzzed requests created: children of w/ and seq/, and root nodes other than /fuzz and /zookeeper. */
export async function tidyFixture(client: Client, f: Fixture): Promise<number> {
  const doomed: string[] = [];
  for (const p of [f.writableParent, f.sequentialParent])
    for (const c of await children(client, p)) await collect(client, `${p}/${c}`, doomed, 1);
  for (const c of await children(client, "/")) if (!KEPT_AT_ROOT.has(c)) await collect(client, `/${c}`, doomed, 1);
  for (let i = 0; i < doomed.length; i += DELETE_BATCH) {
    const t = client.transaction();
    for (const p of doomed.slice(i, i + DELETE_BATCH)) t.delete(p);
    await t.commit().catch(() => undefined);
  }
  return doomed.length;
}

async function children(client: Client, path: string): Promise<string[]> {
  return ((await client.getChildren(path).catch(() => [])) as string[]).sort();
}

/** Appends `path`'s subtree to `out`, deepest first. */
async function collect(client: Client, path: string, out: string[], depth: number): Promise<void> {
  if (depth < TIDY_DEPTH_MAX) for (const c of await children(client, path)) await collect(client, `${path}/${c}`, out, depth + 1);
  out.push(path);
}
