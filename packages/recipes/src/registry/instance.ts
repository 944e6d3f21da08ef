// What a registered service instance is, as stored in its znode (JSON), and the rules for
// names, paths and health.
import { BadArgumentsError } from "@warden/client";
import { BadRecipeDataError } from "../errors.js";
import { checkBasePath, joinPath } from "../util/paths.js";

export const SERVICES_PATH_DEFAULT = "/services";

/** How a registry-side HealthChecker probes an instance (Consul's HTTP and TCP checks). */
export type HealthCheckSpec =
  | {
      type: "http" /** Path on the instance (default "/") or a full URL. */;
      path?: string;
      url?: string;
      intervalMs?: number;
      timeoutMs?: number;
    }
  | { type: "tcp"; intervalMs?: number; timeoutMs?: number };

export interface CheckResult {
  status: "passing" | "failing";
  /** Why, for people (HTTP status, connect error). */
  output: string;
  checkedAtMs: number;
}

/** What a caller gives to register an instance. */
export interface InstanceSpec {
  name: string;
  id: string;
  address: string;
  port: number;
  metadata?: Record<string, string>;
  healthCheck?: HealthCheckSpec;
}

export interface ServiceInstance extends Required<Omit<InstanceSpec, "healthCheck">> {
  healthCheck?: HealthCheckSpec;
  /** The instance's own report: "unhealthy" keeps it registered but out of discovery. */
  status: "healthy" | "unhealthy";
  /** The last result of a registry-side check, if a checker runs. */
  check?: CheckResult;
  registeredAtMs: number;
}

export interface RegistryOptions {
  /** Parent of all services. Default "/services": an instance lives at /services/<name>/<id>. */
  basePath?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function checkName(what: "name" | "id", value: string): string {
  if (!NAME.test(value)) throw new BadArgumentsError(`service ${what} must match ${NAME.source}, got "${value}"`);
  return value;
}

export function servicePath(name: string, options: RegistryOptions = {}): string {
  return joinPath(checkBasePath(options.basePath ?? SERVICES_PATH_DEFAULT), checkName("name", name));
}

export function instancePath(name: string, id: string, options: RegistryOptions = {}): string {
  return joinPath(servicePath(name, options), checkName("id", id));
}

/** Healthy = not marked unhealthy by itself and not failing its check. */
export function isHealthy(instance: ServiceInstance): boolean {
  return instance.status === "healthy" && instance.check?.status !== "failing";
}

export function newInstance(spec: InstanceSpec): ServiceInstance {
  checkName("name", spec.name);
  checkName("id", spec.id);
  if (!Number.isInteger(spec.port) || spec.port < 0 || spec.port > 65535)
    throw new BadArgumentsError(`port must be in [0, 65535], got ${spec.port}`);
  if (spec.address.length === 0) throw new BadArgumentsError("address must not be empty");
  const instance: ServiceInstance = {
    name: spec.name,
    id: spec.id,
    address: spec.address,
    port: spec.port,
    metadata: { ...spec.metadata },
    status: "healthy",
    registeredAtMs: Date.now(),
  };
  if (spec.healthCheck) instance.healthCheck = spec.healthCheck;
  return instance;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeInstance(instance: ServiceInstance): Uint8Array {
  return encoder.encode(JSON.stringify(instance));
}

export function decodeInstance(path: string, data: Uint8Array): ServiceInstance {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new BadRecipeDataError(path, "not a service instance (not JSON)");
  }
  const v = value as Partial<ServiceInstance>;
  if (
    typeof v !== "object" ||
    v === null ||
    typeof v.name !== "string" ||
    typeof v.id !== "string" ||
    typeof v.address !== "string" ||
    typeof v.port !== "number"
  ) {
    throw new BadRecipeDataError(path, "not a service instance (name, id, address, port missing)");
  }
  return { metadata: {}, registeredAtMs: 0, ...v, status: v.status === "unhealthy" ? "unhealthy" : "healthy" } as ServiceInstance;
}
