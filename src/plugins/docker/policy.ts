// Docker's side of a container: the network policy and the agents' default network, resource
// limits, the user agents run as, and the ownership hand-over when a root server runs its agents
// as a non-root uid (bind mounts share the host's files, so their owner matters).
import { lchown, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { refuse } from "./runtime-error.ts";
import type { SandboxSpec } from "../../core/types.ts";
import type { DockerEngine } from "./types.ts";

/** Where `network: true` puts agents: created by swarm-mcp once, inter-container traffic off, so
 * agents of one call cannot reach each other unless a named network is asked for. */
export const AGENT_NETWORK = "swarm-mcp-agents";
export const NETWORK_LABEL = "swarm-mcp.network";
export const AGENT_NETWORK_OPTIONS = { "com.docker.network.bridge.enable_icc": "false" };
type Env = Record<string, string | undefined>;
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/; // Docker's rule for a network name

/** Bytes of a size like "512m"; Docker refuses less than 6 MiB. */
export function memoryBytes(memory: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(String(memory).trim());
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as const;
  const bytes = m ? Math.round(Number(m[1]) * mult[m[2]!.toLowerCase() as keyof typeof mult]) : NaN;
  if (!(bytes >= 6 * 1024 * 1024)) {
    refuse(
      "invalid",
      `Cannot use memory "${memory}": give a size like "512m" or "2g" (at least 6m)`,
    );
  }
  return bytes;
}

export function dockerNetwork(network: SandboxSpec["network"], env: Env): string {
  if (network === true) return AGENT_NETWORK;
  if (network === false || network === "none") return "none";
  if (typeof network !== "string" || !NETWORK_NAME.test(network)) {
    refuse(
      "invalid",
      `Cannot use network ${JSON.stringify(network)}: give true, false or a Docker network name`,
    );
  }
  if (network === "host" && env.SWARM_ALLOW_HOST_NETWORK !== "1") {
    refuse(
      "forbidden",
      `Cannot use network "host": it exposes the host's local services to the agent; the operator can allow it with SWARM_ALLOW_HOST_NETWORK=1`,
    );
  }
  return network;
}

/** A named network must be one swarm-mcp created (its label) or one the operator listed in
 * SWARM_ALLOW_NETWORKS (names; "prefix*" for a prefix): never another project's network. */
export async function checkNetwork(
  name: string,
  env: Env,
  labels: (name: string) => Promise<Record<string, string> | null>,
): Promise<void> {
  if (name === "none" || name === AGENT_NETWORK || name === "host") return;
  const allowed = (env.SWARM_ALLOW_NETWORKS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (allowed.some((a) => (a.endsWith("*") ? name.startsWith(a.slice(0, -1)) : name === a))) return;
  const found = await labels(name);
  if (found === null) {
    refuse(
      "invalid",
      `Cannot use network "${name}": no such Docker network; create it (docker network create --label ${NETWORK_LABEL}=1 ${name}) or use network true/false`,
    );
  }
  if (!(NETWORK_LABEL in found)) {
    refuse(
      "forbidden",
      `Cannot use network "${name}": swarm-mcp did not create it and it may belong to another project; label it ${NETWORK_LABEL}=1 or the operator can allow it with SWARM_ALLOW_NETWORKS=${name}`,
    );
  }
}

/** A whole number from the environment, or the default; a bad value is the operator's to fix. */
function envInt(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    refuse(
      "invalid",
      `Cannot use ${name}="${raw.slice(0, 40)}": give a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/** Limits every agent gets unless its sandbox asks otherwise: processes, and memory. */
export function containerLimits(
  spec: Pick<SandboxSpec, "memory">,
  env: Env,
): { pidsLimit: number; memoryBytes: number } {
  return {
    pidsLimit: envInt(env, "SWARM_PIDS_LIMIT", 512, 16, 4194304),
    memoryBytes: memoryBytes(spec.memory ?? (env.SWARM_DEFAULT_MEMORY || "4g")),
  };
}

/** This process's uid:gid, so files agents write to mounts belong to the caller. */
export const callerIds = () => ({
  uid: process.getuid?.() ?? 1000,
  gid: process.getgid?.() ?? 1000,
});

/** The container user: the caller's uid:gid, so files on mounts are theirs; never root, since a
 * root caller's agents run as SWARM_AGENT_UID (default 10001) and get their files back after. */
export function agentUser(
  caller: { uid: number; gid: number },
  env: Env,
): { uid: number; gid: number } {
  if (caller.uid !== 0) return caller;
  const uid = envInt(env, "SWARM_AGENT_UID", 10001, 0, 2147483646);
  return { uid, gid: uid };
}

export function nanoCpus(cpus: number | undefined): number | undefined {
  if (cpus === undefined) return undefined;
  if (!(cpus > 0 && cpus <= 1024)) {
    refuse("invalid", `Cannot use cpus ${cpus}: give a positive number such as 0.5 or 2`);
  }
  return Math.round(cpus * 1e9);
}

/** Create the agents' default network once, unless it is there (another instance may be creating
 * it at the same moment: a 409 is fine). A same-named network swarm-mcp did not make is refused. */
export async function ensureAgentNetwork(
  rt: Pick<DockerEngine, "networkLabels" | "createNetwork">,
): Promise<void> {
  const labels = await rt.networkLabels(AGENT_NETWORK);
  if (labels === null) {
    return rt.createNetwork(AGENT_NETWORK, { [NETWORK_LABEL]: "1" }, AGENT_NETWORK_OPTIONS);
  }
  if (!(NETWORK_LABEL in labels)) {
    refuse(
      "forbidden",
      `Cannot use network "${AGENT_NETWORK}": a network of that name exists that swarm-mcp did not create; remove it (docker network rm ${AGENT_NETWORK}) so swarm-mcp can create its own`,
    );
  }
}

/**
 * Give `to` every entry under `roots` (owned by `from`, when given) without following links, at
 * most `limit` entries; returns false when the limit cut the walk short. Run only while no agent
 * of this spawn runs: a tree another agent changes meanwhile can at worst pass its own files on.
 */
export async function chownTree(
  roots: string[],
  to: { uid: number; gid: number },
  from?: number,
  limit = 100_000,
): Promise<boolean> {
  const stack = [...roots];
  for (let seen = 0; stack.length; seen++) {
    if (seen >= limit) return false;
    const path = stack.pop()!;
    const st = await lstat(path).catch(() => null);
    if (!st) continue;
    if (from === undefined || st.uid === from) await lchown(path, to.uid, to.gid).catch(() => {});
    if (st.isDirectory()) {
      for (const name of await readdir(path).catch(() => [])) stack.push(join(path, name));
    }
  }
  return true;
}
