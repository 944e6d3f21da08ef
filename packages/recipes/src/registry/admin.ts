// Plain functions over the registry for programs and the `warden registry` commands.
import { NoNodeError } from "@warden/client";
import type { Client } from "@warden/client";
import { checkBasePath, joinPath } from "../util/paths.js";
import { ServiceDiscovery, type ServiceChange } from "./discovery.js";
import {
  decodeInstance,
  instancePath,
  isHealthy,
  servicePath,
  SERVICES_PATH_DEFAULT,
  type RegistryOptions,
  type ServiceInstance,
} from "./instance.js";

export interface InstanceWithHealth extends ServiceInstance {
  healthy: boolean;
}

/** Names of the services with a node under the base path, sorted. */
export async function listServices(client: Client, options: RegistryOptions = {}): Promise<string[]> {
  try {
    return (await client.getChildren(checkBasePath(options.basePath ?? SERVICES_PATH_DEFAULT))).sort();
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
}

/** Every instance of `name` (healthy or not), sorted by id; [] for an unknown service. */
export async function listInstances(client: Client, name: string, options: RegistryOptions = {}): Promise<InstanceWithHealth[]> {
  const parent = servicePath(name, options);
  let ids: string[];
  try {
    ids = (await client.getChildren(parent)).sort();
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
  const reads = await Promise.allSettled(ids.map((id) => client.getData(joinPath(parent, id))));
  const out: InstanceWithHealth[] = [];
  reads.forEach((r, i) => {
    if (r.status === "rejected") {
      if (r.reason instanceof NoNodeError) return; // went between the two reads
      throw r.reason;
    }
    const instance = decodeInstance(joinPath(parent, ids[i]!), r.value.data ?? new Uint8Array(0));
    out.push({ ...instance, healthy: isHealthy(instance) });
  });
  return out;
}

/** Deletes an instance's node by hand; false when it was not registered. */
export async function deregisterInstance(client: Client, name: string, id: string, options: RegistryOptions = {}): Promise<boolean> {
  try {
    await client.delete(instancePath(name, id, options));
    return true;
  } catch (e) {
    if (e instanceof NoNodeError) return false;
    throw e;
  }
}

/**
 * Every change to `name`'s instances, in order, as an async iterator: first an "added" for
 * each current instance, then changes as they happen. Leaving the loop (or close()) stops it.
 */
export async function watchService(
  client: Client,
  name: string,
  options: RegistryOptions = {},
): Promise<AsyncIterableIterator<ServiceChange> & { close(): Promise<void> }> {
  const discovery = new ServiceDiscovery(client, name, options);
  await discovery.start();
  const changes = discovery.changes();
  const close = async () => {
    await changes.return?.();
    await discovery.close();
  };
  const iterator: AsyncIterableIterator<ServiceChange> & { close(): Promise<void> } = {
    next: () => changes.next(),
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
    close,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
