// Which engine, the way the docker CLI decides it: DOCKER_HOST (with DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH) when set; otherwise the Docker context named by DOCKER_CONTEXT or by
// currentContext in $DOCKER_CONFIG/config.json (default ~/.docker), whose endpoint and TLS files
// `docker context create` stored under contexts/. Without either: the local socket.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineTls } from "./docker-api.ts";
import { engineTls } from "./remote.ts";
import { refuse } from "./runtime-error.ts";

type Env = Record<string, string | undefined>;

export function dockerEndpoint(env: Env): { host?: string; tls?: EngineTls } {
  const host = env.DOCKER_HOST?.trim();
  if (host) return { host, tls: host.startsWith("ssh://") ? undefined : engineTls(env) };
  const dir = env.DOCKER_CONFIG || join(env.HOME ?? "/", ".docker");
  const read = (...p: string[]) => readFileSync(join(dir, ...p));
  let name = env.DOCKER_CONTEXT?.trim();
  if (!name) {
    try {
      name = (JSON.parse(read("config.json").toString()) as { currentContext?: string })
        .currentContext;
    } catch {
      return {}; // no CLI config: the local socket
    }
  }
  if (!name || name === "default") return {};
  const id = createHash("sha256").update(name).digest("hex");
  let endpoint: unknown;
  try {
    const meta = JSON.parse(read("contexts", "meta", id, "meta.json").toString());
    endpoint = meta?.Endpoints?.docker?.Host;
  } catch (e) {
    endpoint = (e as Error).message;
  }
  if (typeof endpoint !== "string" || !/^[a-z]+:\/\//.test(endpoint)) {
    refuse(
      "unavailable",
      `Cannot use the Docker context "${name}": its endpoint cannot be read from ${
        join(dir, "contexts", "meta", id, "meta.json")
      }; check it with docker context inspect ${name}, or set DOCKER_HOST`,
    );
  }
  try {
    const tls = (f: string) => read("contexts", "tls", id, "docker", f);
    const files = { ca: tls("ca.pem"), cert: tls("cert.pem"), key: tls("key.pem") };
    return { host: endpoint, tls: endpoint.startsWith("ssh://") ? undefined : files };
  } catch {
    return { host: endpoint }; // a context without TLS files
  }
}
