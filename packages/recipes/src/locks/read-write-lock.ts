// A distributed read-write lock (ZooKeeper's shared-lock recipe, Curator's
// InterProcessReadWriteLock): readers and writers queue in one directory; a writer holds
// when it is first, a reader when no writer is ahead of it. A waiting writer watches its
// predecessor; a waiting reader watches the last writer ahead of it (so a writer's release
// wakes only the readers right behind it, never the whole queue).
import type { Client } from "@warden/client";
import { checkBasePath } from "../util/paths.js";
import type { QueueRule } from "./lock-internals.js";
import { Mutex } from "./mutex.js";

const READ = "read-";
const WRITE = "write-";

const isWriter = (name: string) => name.includes(WRITE);

export const writerRule: QueueRule = (queue, i) => (i === 0 ? { holds: true } : { holds: false, watch: queue[i - 1]! });

export const readerRule: QueueRule = (queue, i) => {
  for (let j = i - 1; j >= 0; j--) if (isWriter(queue[j]!)) return { holds: false, watch: queue[j]! };
  return { holds: true };
};

export class ReadWriteLock {
  readonly readLock: Mutex;
  readonly writeLock: Mutex;

  constructor(client: Client, path: string) {
    checkBasePath(path);
    this.readLock = new Mutex(client, path, { prefix: READ, rule: readerRule });
    this.writeLock = new Mutex(client, path, { prefix: WRITE, rule: writerRule });
  }
}
