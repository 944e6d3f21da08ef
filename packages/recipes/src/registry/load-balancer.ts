// Client-side load balancing over the current instances: round robin, random, sticky.
import type { ServiceInstance } from "./instance.js";

export interface LoadBalancer {
  /** One instance of `instances` (undefined when empty). */
  pick(instances: readonly ServiceInstance[]): ServiceInstance | undefined;
}
export type LoadBalancerName = "roundRobin" | "random" | "sticky";

export function roundRobin(): LoadBalancer {
  let next = 0;
  return {
    pick(instances) {
      if (instances.length === 0) return undefined;
      const chosen = instances[next % instances.length];
      next = (next + 1) % Number.MAX_SAFE_INTEGER;
      return chosen;
    },
  };
}

export function randomPick(random: () => number = Math.random): LoadBalancer {
  return { pick: (instances) => (instances.length === 0 ? undefined : instances[Math.floor(random() * instances.length)]) };
}

/** The same instance for as long as it is in the set; then another from `fallback`. */
export function sticky(fallback: LoadBalancer = roundRobin()): LoadBalancer {
  let currentId: string | undefined;
  return {
    pick(instances) {
      const kept = currentId === undefined ? undefined : instances.find((i) => i.id === currentId);
      if (kept !== undefined) return kept;
      const chosen = fallback.pick(instances);
      currentId = chosen?.id;
      return chosen;
    },
  };
}

export function loadBalancer(strategy: LoadBalancerName | LoadBalancer = "roundRobin"): LoadBalancer {
  if (typeof strategy !== "string") return strategy;
  if (strategy === "roundRobin") return roundRobin();
  if (strategy === "random") return randomPick();
  return sticky();
}
