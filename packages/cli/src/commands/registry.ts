// `warden registry ...`: the service registry from the command line. Every behaviour is a
// function of @warden/recipes; this file only parses arguments and prints.
import type { Command } from "commander";
import type { Client } from "@warden/client";
import type { HealthCheckSpec } from "@warden/recipes";
import { defaultConnectString } from "./shell.js";

/** The client and the recipes, loaded when a registry command runs: the other commands (a server's start) go without them. */
async function libraries() {
  const [client, recipes] = await Promise.all([import("@warden/client"), import("@warden/recipes")]);
  return { createClient: client.createClient, ...recipes };
}

interface Common {
  connect?: string;
  basePath?: string;
}

async function withClient<T>(flags: Common, fn: (client: Client) => Promise<T>): Promise<T> {
  const { createClient } = await libraries();
  const client = createClient(flags.connect ?? (await defaultConnectString()));
  try {
    await client.connected({ timeoutMs: 10_000 });
    return await fn(client);
  } finally {
    await client.close();
  }
}

const opts = (flags: Common) => (flags.basePath ? { basePath: flags.basePath } : {});

function parseMetadata(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new Error(`metadata must be key=value, got "${p}"`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

function parseCheck(check: string | undefined): HealthCheckSpec | undefined {
  if (check === undefined) return undefined;
  if (check === "tcp") return { type: "tcp" };
  if (check.startsWith("http")) return check.includes("://") ? { type: "http", url: check } : { type: "http", path: check.slice(4) || "/" };
  throw new Error(`--check is tcp, http[/path] or a URL, got "${check}"`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

export function addRegistryCommand(program: Command): void {
  const registry = program.command("registry").description("the service registry: list, register, deregister and watch service instances");
  const common = (c: Command) =>
    c
      .option("--connect <connectString>", "servers (default: the local ensemble's)")
      .option("--base-path <path>", "registry root (default /services)");

  common(registry.command("services").description("list the registered services")).action(async (flags: Common) => {
    const { listServices } = await libraries();
    const names = await withClient(flags, (c) => listServices(c, opts(flags)));
    process.stdout.write(names.length ? `${names.join("\n")}\n` : "(no services)\n");
  });

  common(registry.command("instances").argument("<service>").description("list a service's instances with their health")).action(
    async (name: string, flags: Common) => {
      const { listInstances } = await libraries();
      const list = await withClient(flags, (c) => listInstances(c, name, opts(flags)));
      if (list.length === 0) return void process.stdout.write(`(no instances of ${name})\n`);
      const rows = [["ID", "ADDRESS", "HEALTH", "STATUS", "CHECK", "METADATA"]];
      for (const i of list) {
        rows.push([
          i.id,
          `${i.address}:${i.port}`,
          i.healthy ? "healthy" : "unhealthy",
          i.status,
          i.check ? `${i.check.status} (${i.check.output})` : "-",
          JSON.stringify(i.metadata),
        ]);
      }
      process.stdout.write(table(rows));
    },
  );

  common(
    registry
      .command("register")
      .argument("<service>")
      .argument("<id>")
      .argument("<address>")
      .argument("<port>")
      .option("-m, --meta <key=value...>", "metadata", [])
      .option("--check <spec>", "health check: tcp, http[/path] or a URL")
      .option("--permanent", "a persistent registration that outlives this command (remove it with deregister)")
      .description("register an instance; without --permanent it stays registered until this command is stopped"),
  ).action(
    async (
      name: string,
      id: string,
      address: string,
      port: string,
      flags: Common & { meta: string[]; check?: string; permanent?: boolean },
    ) => {
      const { createClient, register } = await libraries();
      const spec = {
        name,
        id,
        address,
        port: Number(port),
        metadata: parseMetadata(flags.meta),
        ...(flags.check ? { healthCheck: parseCheck(flags.check)! } : {}),
      };
      if (flags.permanent) {
        await withClient(flags, (c) => register(c, spec, { ...opts(flags), kind: "permanent" }));
        return void process.stdout.write(`registered ${name}/${id} (permanent)\n`);
      }
      const client = createClient(flags.connect ?? (await defaultConnectString()));
      await client.connected({ timeoutMs: 10_000 });
      const registration = await register(client, spec, opts(flags));
      // Listen before saying so: a Ctrl-C right after the line must deregister, not kill.
      const stopped = new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      process.stdout.write(`registered ${name}/${id}; press Ctrl-C to deregister\n`);
      await stopped;
      await registration.deregister();
      await client.close();
      process.stdout.write(`deregistered ${name}/${id}\n`);
    },
  );

  common(registry.command("deregister").argument("<service>").argument("<id>").description("remove an instance")).action(
    async (name: string, id: string, flags: Common) => {
      const { deregisterInstance } = await libraries();
      const removed = await withClient(flags, (c) => deregisterInstance(c, name, id, opts(flags)));
      process.stdout.write(removed ? `deregistered ${name}/${id}\n` : `${name}/${id} was not registered\n`);
      if (!removed) process.exitCode = 1;
    },
  );

  common(registry.command("watch").argument("<service>").description("print every change to a service's instances until stopped")).action(
    async (name: string, flags: Common) => {
      const { createClient, watchService } = await libraries();
      const client = createClient(flags.connect ?? (await defaultConnectString()));
      await client.connected({ timeoutMs: 10_000 });
      const changes = await watchService(client, name, opts(flags));
      const stop = async () => {
        await changes.close();
        await client.close();
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
      for await (const change of changes) {
        const healthy = change.healthy.map((i) => i.id).join(", ") || "none";
        process.stdout.write(
          `${change.type} ${change.instance.id} ${change.instance.address}:${change.instance.port}; healthy: ${healthy}\n`,
        );
      }
    },
  );
}
