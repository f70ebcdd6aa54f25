// Checks on what a sandbox asks of the host, done before anything is created: mounts (~ expanded,
// absolute, existing, resolved through symlinks, never the Docker socket, `/` or the data dir unless
// the operator allows it), container paths, network names and resource limits.
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import { fail } from "./errors.ts";
import type { Mount, SandboxSpec } from "./types.ts";

/** Container paths the core itself mounts; a caller mount there would hide them. */
export const RESERVED_CONTAINER_PATHS = ["/home/agent", "/output", "/opt/swarm", "/run/swarm-io"];
const NETWORK = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

export interface MountPolicy {
  home?: string;
  dataDir: string;
  allow: string[]; // operator-allowed host paths (SWARM_ALLOW_MOUNTS)
}

export async function checkMounts(mounts: Mount[], policy: MountPolicy): Promise<{ host: string; container: string; readonly: boolean }[]> {
  const out = [];
  const dataDir = await realpath(policy.dataDir).catch(() => policy.dataDir);
  for (const [i, m] of mounts.entries()) {
    let host = m.host_path;
    if (host === "~" || host.startsWith("~/")) {
      if (!policy.home) fail("INVALID_INPUT", `Cannot mount "${host}": HOME is not set, so "~" cannot be expanded; give an absolute path`);
      host = join(policy.home, host.slice(1));
    }
    if (!isAbsolute(host)) fail("INVALID_INPUT", `Cannot mount "${m.host_path}" (mounts[${i}]): host_path must be absolute or start with ~/`);
    const real = await realpath(host).catch(() => null);
    if (real === null) fail("INVALID_INPUT", `Cannot mount "${m.host_path}" (mounts[${i}]): no such file or directory on the host; create it first or fix the path`);
    const allowed = policy.allow.some((a) => normalize(a) === real);
    const isSocket = (await stat(real)).isSocket() || real.endsWith("/docker.sock");
    if (!allowed && (real === "/" || isSocket)) {
      fail("FORBIDDEN", `Cannot mount "${m.host_path}": mounting ${real === "/" ? "the host root" : "the Docker socket"} gives the agent the whole host; the operator can allow it with SWARM_ALLOW_MOUNTS=${real}`);
    }
    if (!allowed && (within(real, dataDir) || within(dataDir, real))) {
      fail("FORBIDDEN", `Cannot mount "${m.host_path}": it overlaps the swarm-mcp data directory, where refs and stamps live; mount a project directory instead`);
    }
    let container = m.container_path;
    if (container === "~" || container.startsWith("~/")) container = "/home/agent" + container.slice(1);
    if (!isAbsolute(container) || normalize(container) !== container.replace(/\/+$/, "") || container.split("/").includes("..") || container === "/") {
      fail("INVALID_INPUT", `Cannot mount at container path "${m.container_path}" (mounts[${i}]): give a normalised absolute path other than /`);
    }
    if (RESERVED_CONTAINER_PATHS.some((r) => within(container, r) || within(r, container))) {
      fail("INVALID_INPUT", `Cannot mount at "${container}" (mounts[${i}]): ${RESERVED_CONTAINER_PATHS.join(", ")} are used by swarm-mcp; pick another container path`);
    }
    if (container.includes(":") || real.includes(":")) fail("INVALID_INPUT", `Cannot mount "${m.host_path}" at "${container}": paths with ":" are not supported`);
    out.push({ host: real, container, readonly: m.readonly ?? true });
  }
  return out;
}

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
