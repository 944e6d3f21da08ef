// @warden/recipes: what people build on a coordination service, on top of @warden/client.
export {
  RecipeError,
  AcquireTimeoutError,
  RecipeClosedError,
  OwnershipLostError,
  NotHeldError,
  ContentionError,
  BadRecipeDataError,
} from "./errors.js";

// Service registry and discovery
export {
  SERVICES_PATH_DEFAULT,
  isHealthy,
  servicePath,
  instancePath,
  encodeInstance,
  decodeInstance,
  type HealthCheckSpec,
  type CheckResult,
  type InstanceSpec,
  type ServiceInstance,
  type RegistryOptions,
} from "./registry/instance.js";
export { ServiceRegistration, register, registerInstance, type RegisterOptions } from "./registry/registration.js";
export { ServiceDiscovery, type DiscoveryOptions, type ServiceChange } from "./registry/discovery.js";
export { roundRobin, randomPick, sticky, loadBalancer, type LoadBalancer, type LoadBalancerName } from "./registry/load-balancer.js";
export { HealthChecker, type HealthCheckerOptions } from "./registry/health-checker.js";
export { defaultProbe, httpProbe, tcpProbe, type Probe, type ProbeResult } from "./registry/probes.js";
export { listServices, listInstances, deregisterInstance, watchService, type InstanceWithHealth } from "./registry/admin.js";

// Coordination
export { Mutex, type AcquireOptions } from "./locks/mutex.js";
export { ReadWriteLock } from "./locks/read-write-lock.js";
export { Semaphore, Lease } from "./locks/semaphore.js";
export { LeaderLatch, type LeaderLatchOptions, type Participant } from "./election/leader-latch.js";
export { LeaderSelector, type LeaderSelectorOptions } from "./election/leader-selector.js";
export { Barrier } from "./coordination/barrier.js";
export { DoubleBarrier } from "./coordination/double-barrier.js";
export { DistributedCounter, type CounterChange } from "./coordination/counter.js";
export { DistributedQueue, type TakeOptions } from "./coordination/queue.js";
export { TreeCache, type CachedNode, type TreeCacheEvent, type TreeCacheOptions } from "./cache/tree-cache.js";
export { NodeCache } from "./cache/node-cache.js";
