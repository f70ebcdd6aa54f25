// Checks on the container a sandbox asks for, done before anything is created: the network,
// resource limits, the workdir and environment variable names.
import { isAbsolute } from "node:path";
import { fail } from "./errors.ts";
import { RESERVED_CONTAINER_PATHS, within } from "./mounts.ts";
import type { SandboxSpec } from "./types.ts";

const NETWORK = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function dockerNetwork(network: SandboxSpec["network"], allowHost: boolean): string {
  if (network === true) return "bridge";
  if (network === false) return "none";
  if (typeof network !== "string" || !NETWORK.test(network)) {
    fail("INVALID_INPUT", `Cannot use network ${JSON.stringify(network)}: give true, false or a Docker network name`);
  }
  if (network === "host" && !allowHost) {
    fail("FORBIDDEN", `Cannot use network "host": it exposes the host's local services to the agent; the operator can allow it with SWARM_ALLOW_HOST_NETWORK=1`);
  }
  return network;
}

export function memoryBytes(memory: string | undefined): number | undefined {
  if (memory === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(String(memory).trim());
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as const;
  const bytes = m ? Math.round(Number(m[1]) * mult[m[2]!.toLowerCase() as keyof typeof mult]) : NaN;
  if (!(bytes >= 6 * 1024 * 1024)) fail("INVALID_INPUT", `Cannot use memory "${memory}": give a size like "512m" or "2g" (at least 6m)`);
  return bytes;
}

export function nanoCpus(cpus: number | undefined): number | undefined {
  if (cpus === undefined) return undefined;
  if (!(cpus > 0 && cpus <= 1024)) fail("INVALID_INPUT", `Cannot use cpus ${cpus}: give a positive number such as 0.5 or 2`);
  return Math.round(cpus * 1e9);
}

export function checkWorkdir(workdir: string): string {
  if (!isAbsolute(workdir) || workdir.split("/").includes("..") || RESERVED_CONTAINER_PATHS.some((r) => within(workdir, r))) {
    fail("INVALID_INPUT", `Cannot use workdir "${workdir}": give an absolute container path outside ${RESERVED_CONTAINER_PATHS.join(", ")}`);
  }
  return workdir;
}

export function checkEnvNames(env: Record<string, string>): void {
  for (const k of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(k)) fail("INVALID_INPUT", `Cannot set environment variable ${JSON.stringify(k.slice(0, 60))}: names are letters, digits and "_", not starting with a digit`);
  }
}
