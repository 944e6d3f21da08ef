// multi as a builder (client.transaction()...commit()) and multiRead's outcomes.
import {
  BadArgumentsError,
  errorFromCode,
  type CheckRequest,
  type MultiResult,
  type NodeData,
  type ReadOp,
  type Request,
  type Response,
  type Stat,
  type WardenError,
  type WriteOp,
} from "@warden/protocol";
import type { CallOptions } from "./calls.js";
import type { CreateOptions, Data, RequestBuilder } from "./build.js";
import { TransactionError, failedOpIndex } from "./errors.js";

type Submit = (request: Request, options: CallOptions) => Promise<Response>;

export class Transaction {
  readonly #ops: WriteOp[] = [];
  readonly #paths: string[] = [];
  #committed = false;

  constructor(
    private readonly build: RequestBuilder,
    private readonly opsMax: number,
    private readonly submit: Submit,
  ) {}

  create(path: string, data?: Data, options: CreateOptions = {}): this {
    return this.#add(this.build.create(path, data, options), path);
  }
  delete(path: string, version = -1): this {
    return this.#add({ type: "delete", path: this.build.path(path), version: this.build.version(version, path) }, path);
  }
  setData(path: string, data: Data, version = -1): this {
    return this.#add(
      { type: "setData", path: this.build.path(path), data: this.build.data(data, path), version: this.build.version(version, path) },
      path,
    );
  }
  check(path: string, version: number): this {
    const op: CheckRequest = { type: "check", path: this.build.path(path), version: this.build.version(version, path) };
    return this.#add(op, path);
  }

  /**
   * Applies every op atomically; returns each op's result (created paths without the chroot).
   * Throws TransactionError (with every op's result) when the server rejected it.
   */
  async commit(options: CallOptions = {}): Promise<MultiResult[]> {
    if (this.#committed) throw new BadArgumentsError("transaction already committed");
    this.#committed = true;
    const r = await this.submit({ type: "multi", ops: this.#ops }, options);
    if (r.type !== "multi") throw errorFromCode(-2, undefined, `unexpected ${r.type} response to multi`);
    const results = this.build.multiResults(r.results);
    const failed = failedOpIndex(results);
    if (failed >= 0) throw new TransactionError(results, failed, this.#paths[failed]);
    return results;
  }

  #add(op: WriteOp, path: string): this {
    if (this.#committed) throw new BadArgumentsError("transaction already committed");
    if (this.#ops.length >= this.opsMax) throw new BadArgumentsError(`a transaction holds at most ${this.opsMax} ops`);
    this.#ops.push(op);
    this.#paths.push(path);
    return this;
  }
}

export type ReadSpec = { type: "getData"; path: string } | { type: "getChildren"; path: string };
export type MultiReadOutcome =
  | { type: "getData"; data: NodeData; stat: Stat }
  | { type: "getChildren"; children: string[] }
  | { type: "error"; error: WardenError };

export async function multiReadResults(
  build: RequestBuilder,
  opsMax: number,
  specs: readonly ReadSpec[],
  submit: (r: Request) => Promise<Response>,
): Promise<MultiReadOutcome[]> {
  if (specs.length > opsMax) throw new BadArgumentsError(`multiRead takes at most ${opsMax} ops`);
  const ops: ReadOp[] = specs.map((s) =>
    s.type === "getData"
      ? { type: "getData", path: build.path(s.path), watch: false }
      : { type: "getChildren", path: build.path(s.path), watch: false, withStat: false },
  );
  const r = await submit({ type: "multiRead", ops });
  if (r.type !== "multiRead" || r.results.length !== specs.length) throw errorFromCode(-2, undefined, "unexpected multiRead response");
  return r.results.map((result, i) =>
    result.type === "error" ? { type: "error", error: errorFromCode(result.err, specs[i]!.path) } : result,
  );
}
