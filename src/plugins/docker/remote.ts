// A remote engine: one that does not see this machine's filesystem (DOCKER_HOST=tcp://…, or
// SWARM_REMOTE_ENGINE=1 for an engine that only looks local). There the agent's dirs travel through
// the archive endpoint (ship.ts), output through the attach stream, and host-path mounts are refused
// unless the operator declares the path shared (SWARM_SHARED_PATHS, ":"-separated, e.g. an NFS tree
// mounted at the same path on both machines). A loopback URL an agent is given (ANTHROPIC_BASE_URL)
// is rewritten to SWARM_REMOTE_HOST_ADDRESS, this machine's address as the remote engine's
// containers reach it, when the operator declares one; refused before the agent starts otherwise.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineTls } from "./docker-api.ts";
import { refuse } from "./runtime-error.ts";

type Env = Record<string, string | undefined>;

export interface RemoteMode {
  endpoint: string;
  /** Host paths the engine sees at the same path. */
  shared: string[];
  /** This machine as the remote engine's containers reach it (SWARM_REMOTE_HOST_ADDRESS). */
  hostAddress?: string;
}

/** The remote mode, or undefined when the engine shares this machine's files. */
export function remoteMode(env: Env): RemoteMode | undefined {
  const flag = env.SWARM_REMOTE_ENGINE?.trim();
  const host = (env.DOCKER_HOST ?? "").trim();
  const tcp = /^(tcp|http|ssh):\/\//.test(host);
  if (flag === "0" || (!tcp && flag !== "1")) return undefined;
  const shared = (env.SWARM_SHARED_PATHS ?? "").split(":").filter((p) => p.startsWith("/"));
  const hostAddress = env.SWARM_REMOTE_HOST_ADDRESS?.trim();
  return {
    endpoint: host || "unix:///var/run/docker.sock",
    shared,
    ...(hostAddress ? { hostAddress } : {}),
  };
}

/** Where the remote engine's containers reach this machine: only where the operator said. */
export function remoteHostAddress(remote: RemoteMode): string {
  return remote.hostAddress ?? refuse(
    "invalid",
    `the Docker engine at ${remote.endpoint} is remote, so this machine's loopback is out of its containers' reach; set SWARM_REMOTE_HOST_ADDRESS to an address of this machine that the remote engine's containers reach (the URL's host becomes that address), or give a URL they can reach`,
  );
}

/** DOCKER_TLS_VERIFY=1: ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH (default ~/.docker). */
export function engineTls(env: Env): EngineTls | undefined {
  if (!env.DOCKER_TLS_VERIFY || env.DOCKER_TLS_VERIFY === "0") return undefined;
  const dir = env.DOCKER_CERT_PATH || join(env.HOME ?? "/", ".docker");
  try {
    const read = (f: string) => readFileSync(join(dir, f));
    return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
  } catch (e) {
    return refuse(
      "unavailable",
      `Cannot reach the Docker engine at ${env.DOCKER_HOST}: DOCKER_TLS_VERIFY is set but the certificates in ${
        JSON.stringify(dir)
      } cannot be read (${
        (e as Error).message
      }); put ca.pem, cert.pem and key.pem there or set DOCKER_CERT_PATH`,
    );
  }
}

const within = (p: string, dir: string) =>
  p === dir || p.startsWith(dir.endsWith("/") ? dir : dir + "/");

/** Refuse host-path mounts (already resolved) outside the shared paths: the engine cannot see them. */
export function checkRemoteMounts(binds: { host: string }[], remote: RemoteMode): void {
  for (const b of binds) {
    if (remote.shared.some((s) => within(b.host, s))) continue;
    refuse(
      "forbidden",
      `Cannot mount ${
        JSON.stringify(b.host)
      }: the Docker engine at ${remote.endpoint} is remote and does not see this machine's files; send the files as input_files or a workspace instead, or the operator can declare the path shared (mounted at the same path there) with SWARM_SHARED_PATHS=${b.host}`,
    );
  }
}
