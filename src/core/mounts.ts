// Checks on the host paths a sandbox asks to mount, done before anything is created: ~ expanded,
// absolute, existing, resolved through symlinks, never the Docker socket, `/` or the data dir unless
// the operator allows it, and container paths that do not hide what swarm-mcp mounts.
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import { fail } from "./errors.ts";
import type { Mount } from "./types.ts";

/** Container paths the core itself mounts; a caller mount there would hide them. */
export const RESERVED_CONTAINER_PATHS = ["/home/agent", "/output", "/opt/swarm", "/run/swarm-io"];

export function within(path: string, dir: string): boolean {
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
