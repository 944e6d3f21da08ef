// The process's own series on /metrics, under the names Prometheus' client libraries give them
// (ZooKeeper's provider exports the JVM's by default: operators' dashboards expect CPU, memory
// and collector time beside the server's own). GC pauses are observed as they happen; the rest
// is read at scrape time.
import { PerformanceObserver, constants, performance, type PerformanceEntry } from "node:perf_hooks";
import { memoryUsage } from "node:process";
import type { MetricsRegistry } from "./metrics.js";

/** Buckets of nodejs_gc_duration_seconds, as prom-client's. */
const GC_BUCKETS_S = [0.001, 0.01, 0.1, 1, 2, 5];

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

/** Registers the process series; returns what stops observing the collector (at the server's stop). */
export function registerProcessMetrics(registry: MetricsRegistry): () => void {
  registry.gauge("process_cpu_user_seconds_total", "User CPU time spent by this process", () => process.cpuUsage().user / 1e6, "counter");
  registry.gauge(
    "process_cpu_system_seconds_total",
    "System CPU time spent by this process",
    () => process.cpuUsage().system / 1e6,
    "counter",
  );
  registry.gauge(
    "process_cpu_seconds_total",
    "User and system CPU time spent by this process",
    () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    "counter",
  );
  registry.gauge(
    "process_start_time_seconds",
    "When this process started, in seconds since the epoch",
    () => Math.round(performance.timeOrigin) / 1000,
  );
  registry.gauge("process_resident_memory_bytes", "Resident set size of this process", () => memoryUsage.rss());
  registry.gauge("nodejs_heap_size_total_bytes", "JavaScript heap reserved", () => memoryUsage().heapTotal);
  registry.gauge("nodejs_heap_size_used_bytes", "JavaScript heap in use", () => memoryUsage().heapUsed);
  registry.gauge(
    "nodejs_external_memory_bytes",
    "Memory of buffers and other objects outside the JavaScript heap",
    () => memoryUsage().external,
  );
  const gc = registry.histogram("nodejs_gc_duration_seconds", "Garbage collection pauses of the main thread, by kind", GC_BUCKETS_S);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gc.observe(entry.duration / 1000, { kind: gcKind(entry) });
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => observer.disconnect();
}

function gcKind(entry: PerformanceEntry): string {
  const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
  return (kind !== undefined && GC_KINDS[kind]) || "other";
}
