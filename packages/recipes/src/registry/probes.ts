// The probes a HealthChecker runs: HTTP GET (2xx passes) and TCP connect, each with a
// timeout. node:net is loaded only when a TCP probe runs, so the package still loads in a
// browser (where only HTTP checks can work).
import type { HealthCheckSpec, ServiceInstance } from "./instance.js";

export interface ProbeResult {
  passing: boolean;
  output: string;
}
export type Probe = (instance: ServiceInstance, check: HealthCheckSpec, timeoutMs: number) => Promise<ProbeResult>;

export const defaultProbe: Probe = (instance, check, timeoutMs) =>
  check.type === "http" ? httpProbe(instance, check, timeoutMs) : tcpProbe(instance, timeoutMs);

function hostOf(address: string): string {
  return address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
}

export async function httpProbe(
  instance: ServiceInstance,
  check: Extract<HealthCheckSpec, { type: "http" }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const url = check.url ?? `http://${hostOf(instance.address)}:${instance.port}${check.path ?? "/"}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { passing: res.status >= 200 && res.status < 300, output: `HTTP GET ${url}: ${res.status}` };
  } catch (e) {
    return {
      passing: false,
      output: `HTTP GET ${url}: ${(e as Error).name === "TimeoutError" ? `no answer in ${timeoutMs} ms` : (e as Error).message}`,
    };
  }
}

export async function tcpProbe(instance: ServiceInstance, timeoutMs: number): Promise<ProbeResult> {
  const { connect } = await import("node:net");
  const target = `${instance.address}:${instance.port}`;
  return new Promise((resolve) => {
    const socket = connect({ host: instance.address, port: instance.port });
    const done = (passing: boolean, output: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ passing, output: `TCP connect ${target}: ${output}` });
    };
    const timer = setTimeout(() => done(false, `no answer in ${timeoutMs} ms`), timeoutMs);
    socket.once("connect", () => done(true, "connected"));
    socket.once("error", (e) => done(false, e.message));
  });
}
