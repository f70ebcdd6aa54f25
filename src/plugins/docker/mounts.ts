// Checks on the host paths a sandbox asks to mount, done before anything is created: ~ expanded,
// absolute, existing, resolved through symlinks, then judged by the policy below on the realpath;
// and container paths that do not hide what swarm-mcp mounts ("~" there is the host's home too).
//
// Policy: a project tree may be mounted; refused (each with its own reason) are `/`, the system
// trees, anything that contains a system tree, HOME, the data dir or the engine socket, HOME itself
// and its dot-entries (where credentials live), any socket or device file, a directory holding a
// socket (tmux's, ssh-agent's, an IDE's: a way into the host), a directory every user shares (sticky
// and world-writable, like /tmp), and the data dir.
// SWARM_ALLOW_MOUNTS (realpath-resolved) opens an entry and everything below it.
import type { Stats } from "node:fs";
import { opendir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import { refuse } from "./runtime-error.ts";
import { IO_DIR } from "./capture.ts";
import { parseDockerHost } from "./docker-api.ts";
import type { Mount } from "../../core/types.ts";

const SYSTEM_TREES = [
  "/proc",
  "/sys",
  "/dev",
  "/etc",
  "/boot",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/var",
  "/run",
  "/root",
];

/** Container paths swarm-mcp mounts or uses (the agent's home, its output, the image's hooks, the
 * output wrapper's dir): a caller mount there would hide them. */
const RESERVED_CONTAINER_PATHS = ["/home/agent", "/output", "/opt/swarm", IO_DIR];

const within = (path: string, dir: string) =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

export interface MountPolicy {
  home?: string;
  dataDir: string;
  allow: string[]; // operator-allowed host paths (SWARM_ALLOW_MOUNTS)
  /** The Docker engine's unix socket: engineSocket(DOCKER_HOST). */
  engineSocket?: string;
}

/** The unix socket path DOCKER_HOST names (default /var/run/docker.sock); undefined for tcp://. */
export function engineSocket(dockerHost: string | undefined): string | undefined {
  try {
    return parseDockerHost(dockerHost).modem.socketPath as string | undefined;
  } catch {
    return undefined; // an unusable DOCKER_HOST: the runtime says so when it is used
  }
}

const show = (s: string) => JSON.stringify(s.length > 200 ? s.slice(0, 200) + "…" : s);
const resolved = (p: string) => realpath(p).catch(() => normalize(p));

async function resolvePolicy(p: MountPolicy) {
  const home = p.home ? await resolved(p.home) : undefined;
  // /root is the operator's home here, judged by the home rules, not a system tree.
  const trees = SYSTEM_TREES.filter((t) =>
    !(t === "/root" && home !== undefined && within(home, t))
  );
  return {
    home,
    // A home inside a system tree (/var/lib/ci) is still the operator's: its projects may be mounted.
    homeExempt: home !== undefined && home !== "/" && !trees.includes(home),
    dataDir: await resolved(p.dataDir),
    socket: p.engineSocket ? await resolved(p.engineSocket) : undefined,
    system: [...new Set([...trees, ...(await Promise.all(trees.map(resolved)))])],
    allow: await Promise.all(p.allow.map(resolved)),
  };
}

/** Why `real` may not be mounted, or null. */
function refusal(
  real: string,
  st: Stats,
  r: Awaited<ReturnType<typeof resolvePolicy>>,
): string | null {
  if (real === "/") return "it is the host root: the agent would reach every file on the host";
  if (st.isSocket()) {
    return real === r.socket
      ? "it is the Docker engine socket: with the Docker socket an agent controls every container and the host"
      : "it is a Unix socket: an agent could drive the host service behind it (the Docker engine socket is one)";
  }
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    return "it is a device file: an agent could read or write the host device";
  }
  if (within(real, r.dataDir)) {
    return "it is inside the swarm-mcp data directory, where refs, stamps and their signing key live";
  }
  const inHome = r.home !== undefined && within(real, r.home);
  if (inHome && real === r.home) {
    return "it is the operator's home directory, with every credential in it";
  }
  const top = inHome ? relative(r.home!, real).split(sep)[0]! : "";
  if (top.startsWith(".")) {
    return `it is the home directory's "${top}", where credentials and settings live`;
  }
  const tree = r.system.find((t) => within(real, t));
  if (tree && !(inHome && r.homeExempt)) return `it is in the system directory ${tree}`;
  const inner: [string | undefined, string][] = [
    [r.socket, "the Docker engine socket"],
    [r.dataDir, "the swarm-mcp data directory"],
    [r.home, "the home directory"],
    ...r.system.map((t): [string, string] => [t, "the system directory"]),
  ];
  const hit = inner.find(([p]) => p !== undefined && within(p, real));
  if (hit) return `it contains ${hit[1]} ${hit[0]}`;
  return st.isDirectory() && (st.mode & 0o1002) === 0o1002
    ? "it is a directory every user shares (sticky and world-writable, like /tmp), where other users' programs keep their files and sockets"
    : null;
}

/** Why directory `real` may not be mounted for a Unix socket among its first entries, or null
 * (d_type: no stat per entry; a socket deeper down is the operator's choice of tree). */
async function heldSocket(real: string, st: Stats): Promise<string | null> {
  if (!st.isDirectory()) return null;
  try {
    let n = 0;
    for await (const e of await opendir(real)) { // the loop closes the Dir however it ends
      if (e.isSocket()) {
        return `it holds the Unix socket ${
          show(e.name)
        }: an agent could drive the host program behind it (a terminal multiplexer, an SSH agent, the engine)`;
      }
      if (++n >= 10_000) break;
    }
  } catch {
    // Gone or swapped since realpath (Bun lists lazily, by path): judged again at start time.
  }
  return null;
}

/** Why the policy keeps the resolved host path `real` from agents, or null: what wrap and
 * wrap_project (config plugin) judge a path by, so they read no more of the host than a mount could. */
export async function hostPathRefusal(
  real: string,
  st: Stats,
  policy: MountPolicy,
): Promise<string | null> {
  const judge = await resolvePolicy(policy);
  return judge.allow.some((a) => within(real, a)) ? null : refusal(real, st, judge);
}

export async function checkMounts(
  mounts: Mount[],
  policy: MountPolicy,
): Promise<{ host: string; container: string; readonly: boolean }[]> {
  const out = [];
  const judge = mounts.length ? await resolvePolicy(policy) : null;
  for (const [i, m] of mounts.entries()) {
    let host = m.host_path;
    if (host === "~" || host.startsWith("~/")) {
      if (!policy.home) {
        refuse(
          "invalid",
          `Cannot mount ${
            show(host)
          }: HOME is not set, so "~" cannot be expanded; give an absolute path`,
        );
      }
      host = join(policy.home, host.slice(1));
    }
    if (!isAbsolute(host)) {
      refuse(
        "invalid",
        `Cannot mount ${
          show(m.host_path)
        } (mounts[${i}]): host_path must be absolute or start with ~/`,
      );
    }
    const real = await realpath(host).catch((e: { code?: string }) => e.code ?? "EINVAL");
    const st = isAbsolute(real) ? await stat(real).catch(() => null) : null;
    if (!st) {
      refuse(
        "invalid",
        `Cannot mount ${
          show(m.host_path)
        } (mounts[${i}]): it does not exist on the host or cannot be resolved (${
          isAbsolute(real) ? "ENOENT" : real
        }); create it first or fix the path`,
      );
    }
    const why = judge!.allow.some((a) => within(real, a))
      ? null
      : refusal(real, st, judge!) ?? await heldSocket(real, st);
    if (why) {
      const via = real === host ? "" : ` (resolves to ${show(real)})`;
      refuse(
        "forbidden",
        `Cannot mount ${
          show(m.host_path)
        }${via}: ${why}; mount a project directory instead, or the operator can allow it with SWARM_ALLOW_MOUNTS=${real}`,
      );
    }
    let container = m.container_path;
    // "~" is the host's home on both sides (the MCP-access recipe: a server's data at the same
    // absolute path inside and out), never the agent's own home, which is reserved.
    if (container === "~" || container.startsWith("~/")) {
      if (!policy.home) {
        refuse(
          "invalid",
          `Cannot mount at container path ${
            show(m.container_path)
          } (mounts[${i}]): HOME is not set, so "~" means nothing; give an absolute path`,
        );
      }
      container = policy.home + container.slice(1);
    }
    if (
      !isAbsolute(container) || normalize(container) !== container.replace(/\/+$/, "") ||
      container.split("/").includes("..") || container === "/"
    ) {
      refuse(
        "invalid",
        `Cannot mount at container path ${
          show(m.container_path)
        } (mounts[${i}]): give a normalised absolute path other than /`,
      );
    }
    if (RESERVED_CONTAINER_PATHS.some((r) => within(container, r) || within(r, container))) {
      refuse(
        "invalid",
        `Cannot mount at ${show(container)} (mounts[${i}]): ${
          RESERVED_CONTAINER_PATHS.join(", ")
        } are used by swarm-mcp; pick another container path`,
      );
    }
    if (container.includes(":") || real.includes(":")) {
      refuse(
        "invalid",
        `Cannot mount ${show(m.host_path)} at ${show(container)}: paths with ":" are not supported`,
      );
    }
    out.push({ host: real, container, readonly: m.readonly ?? true });
  }
  return out;
}
