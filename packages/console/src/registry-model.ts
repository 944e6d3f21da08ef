// A registry instance's znode (JSON written by @warden/recipes' register) as the console shows it.
import { localTime, utf8Text } from "./format.js";

export interface InstanceView {
  id: string;
  address?: string;
  port?: number;
  health: "passing" | "failing" | "unhealthy" | "unknown";
  healthText: string;
  metadata: string;
  registered: string;
  error?: string;
}

export function instanceView(id: string, data: Uint8Array | null): InstanceView {
  const text = data === null ? undefined : utf8Text(data);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text ?? "") as Record<string, unknown>;
    if (typeof v !== "object" || v === null) throw new Error("not an object");
  } catch {
    return { id, health: "unknown", healthText: "-", metadata: "", registered: "-", error: "not an instance record (not JSON)" };
  }
  const check = v.check as { status?: string; output?: string } | undefined;
  const health: InstanceView["health"] =
    v.status === "unhealthy" ? "unhealthy" : check?.status === "failing" ? "failing" : check?.status === "passing" ? "passing" : "unknown";
  const healthText =
    v.status === "unhealthy"
      ? "unhealthy (self-reported)"
      : check
        ? `${check.status ?? "?"}${check.output ? `: ${check.output}` : ""}`
        : `${String(v.status ?? "?")} (no check)`;
  const meta =
    v.metadata && typeof v.metadata === "object"
      ? Object.entries(v.metadata as Record<string, unknown>)
          .map(([k, x]) => `${k}=${String(x)}`)
          .join(", ")
      : "";
  return {
    id,
    ...(typeof v.address === "string" ? { address: v.address } : {}),
    ...(typeof v.port === "number" ? { port: v.port } : {}),
    health,
    healthText,
    metadata: meta,
    registered: typeof v.registeredAtMs === "number" ? localTime(v.registeredAtMs) : "-",
  };
}
