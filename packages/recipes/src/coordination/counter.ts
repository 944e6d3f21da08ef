// A distributed counter (Curator's DistributedAtomicLong, optimistic mode): the value is
// decimal text in one node, changed by compare-and-set on the node's version and retried
// on BadVersionError up to attemptsMax times.
import { BadVersionError, NodeExistsError, NoNodeError } from "@warden/client";
import type { Client } from "@warden/client";
import { BadRecipeDataError, ContentionError } from "../errors.js";
import { checkBasePath, ensurePath, parentOf } from "../util/paths.js";

export interface CounterChange {
  preValue: number;
  postValue: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class DistributedCounter {
  readonly #client: Client;
  readonly #path: string;
  readonly #attemptsMax: number;

  constructor(client: Client, path: string, options: { attemptsMax?: number } = {}) {
    this.#client = client;
    this.#path = checkBasePath(path);
    this.#attemptsMax = options.attemptsMax ?? 100;
  }

  /** The value (0 when the node does not exist yet). */
  async get(): Promise<number> {
    return (await this.#read()).value;
  }

  increment(): Promise<CounterChange> {
    return this.add(1);
  }
  decrement(): Promise<CounterChange> {
    return this.add(-1);
  }

  async add(delta: number): Promise<CounterChange> {
    checkSafe(this.#path, delta);
    return this.#update((v) => v + delta);
  }

  /** Sets the value whatever it was. */
  async set(value: number): Promise<CounterChange> {
    checkSafe(this.#path, value);
    return this.#update(() => value);
  }

  /** Sets `value` only if the current value is `expected`; false otherwise. */
  async compareAndSet(expected: number, value: number): Promise<boolean> {
    checkSafe(this.#path, value);
    for (let attempt = 1; attempt <= this.#attemptsMax; attempt++) {
      const { value: current, version } = await this.#read();
      if (current !== expected) return false;
      if (await this.#write(value, version)) return true;
    }
    throw new ContentionError(this.#path, this.#attemptsMax);
  }

  async #update(change: (value: number) => number): Promise<CounterChange> {
    for (let attempt = 1; attempt <= this.#attemptsMax; attempt++) {
      const { value, version } = await this.#read();
      const next = change(value);
      checkSafe(this.#path, next);
      if (await this.#write(next, version)) return { preValue: value, postValue: next };
    }
    throw new ContentionError(this.#path, this.#attemptsMax);
  }

  /** version -1: the node does not exist. */
  async #read(): Promise<{ value: number; version: number }> {
    try {
      const { data, stat } = await this.#client.getData(this.#path);
      const text = decoder.decode(data ?? undefined);
      const value = text === "" ? 0 : Number(text);
      if (!Number.isSafeInteger(value)) throw new BadRecipeDataError(this.#path, `not a counter value: "${text.slice(0, 40)}"`);
      return { value, version: stat.version };
    } catch (e) {
      if (e instanceof NoNodeError) return { value: 0, version: -1 };
      throw e;
    }
  }

  /** One compare-and-set; false when someone else won. */
  async #write(value: number, version: number): Promise<boolean> {
    try {
      if (version === -1) {
        await ensurePath(this.#client, parentOf(this.#path));
        await this.#client.create(this.#path, encoder.encode(String(value)));
      } else {
        await this.#client.setData(this.#path, encoder.encode(String(value)), version);
      }
      return true;
    } catch (e) {
      if (e instanceof BadVersionError || e instanceof NodeExistsError || e instanceof NoNodeError) return false;
      throw e;
    }
  }
}

function checkSafe(path: string, n: number): void {
  if (!Number.isSafeInteger(n)) throw new BadRecipeDataError(path, `counter values are safe integers, got ${n}`);
}
