// Building requests from a caller's arguments: path rules, chroot, data bounds, create modes.
import {
  BadArgumentsError,
  CreateMode,
  OPEN_ACL_UNSAFE,
  TTL_MS_MAX,
  isSequential,
  isTTL,
  prependChroot,
  stripChroot,
  validatePath,
  type ACL,
  type CreateRequest,
  type MultiResult,
  type NodeData,
} from "@warden/protocol";

/**
 * Data a caller writes: bytes, a string (as UTF-8), or null. Null is ZooKeeper's null data
 * (jute length -1): it reads back as null, where empty bytes read back as empty bytes.
 */
export type Data = Uint8Array | string | null;

export interface CreateOptions {
  /** Default PERSISTENT. */
  mode?: CreateMode;
  /** Default OPEN_ACL_UNSAFE (world:anyone, all permissions). */
  acl?: readonly ACL[];
  /** Milliseconds; required with the TTL modes, refused otherwise. */
  ttl?: number;
}

const utf8 = new TextEncoder();

export class RequestBuilder {
  constructor(
    readonly chroot: string | undefined,
    private readonly dataBytesMax: number,
  ) {}

  /** The server's path for a caller's path; throws BadArgumentsError when invalid. */
  path(path: string, sequential = false): string {
    validatePath(path, sequential);
    return prependChroot(this.chroot, path);
  }

  /** The caller's path for a server's path. */
  strip(path: string): string {
    return stripChroot(this.chroot, path);
  }

  /** Omitted data is empty; null stays null. */
  data(data: Data | undefined, path: string): NodeData {
    if (data === null) return null;
    const bytes = data === undefined ? new Uint8Array(0) : typeof data === "string" ? utf8.encode(data) : data;
    if (!(bytes instanceof Uint8Array)) throw new BadArgumentsError("data must be a Uint8Array or a string", path);
    if (bytes.length > this.dataBytesMax) throw new BadArgumentsError(`data of ${bytes.length} bytes exceeds ${this.dataBytesMax}`, path);
    return bytes;
  }

  version(version: number, path: string): number {
    if (!Number.isInteger(version) || version < -1 || version > 0x7fffffff) throw new BadArgumentsError(`invalid version ${version}`, path);
    return version;
  }

  create(path: string, data: Data | undefined, options: CreateOptions = {}): CreateRequest {
    const mode = options.mode ?? CreateMode.PERSISTENT;
    const request: CreateRequest = {
      type: "create",
      path: this.path(path, isSequential(mode)),
      data: this.data(data, path),
      acl: [...(options.acl ?? OPEN_ACL_UNSAFE)],
      mode,
    };
    if (isTTL(mode)) {
      const ttl = options.ttl;
      if (ttl === undefined || !Number.isInteger(ttl) || ttl <= 0 || BigInt(ttl) > TTL_MS_MAX) {
        throw new BadArgumentsError(`a TTL mode needs a ttl in (0, ${TTL_MS_MAX}] ms`, path);
      }
      request.ttl = ttl;
    } else if (options.ttl !== undefined) {
      throw new BadArgumentsError("ttl is only for the TTL create modes", path);
    }
    return request;
  }

  /** A multi's results with the chroot stripped from created paths. */
  multiResults(results: readonly MultiResult[]): MultiResult[] {
    return results.map((r) => (r.type === "create" ? { ...r, path: this.strip(r.path) } : r));
  }
}
