// One agent as a Swarm service: a one-shot job (replicated-job, one completion, no restart) whose
// environment travels as a Swarm secret and whose stdin as a Swarm config, so neither shows in
// the service spec (docker service inspect) nor in the process's argv. A /bin/sh wrapper loads the
// secret into the environment and execs the agent's command with the config as stdin.
import { runtimeError } from "../docker/runtime-error.ts";
import type { DockerRunOptions } from "../docker/types.ts";
import { AWAIT_READY } from "./ship.ts";
import type { Placement } from "./placement.ts";

export const AGENT_OVERLAY = "swarm-mcp-swarm-agents";
const ENV_FILE = "swarm-mcp-env"; // under /run/secrets
const STDIN_FILE = "/run/swarm-mcp/stdin";
/** Swarm refuses secrets over 500 KB; configs share that bound here. */
export const MAX_SWARM_DATA = 500 * 1024;

/** The environment as a file `sh` sources: every value single-quoted (a quote as '\''). */
export function envFile(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      throw runtimeError(
        "invalid",
        `Cannot pass environment variable "${
          k.slice(0, 60)
        }" on the swarm runtime: a name must be letters, digits and "_", not starting with a digit; rename it`,
      );
    }
    return `export ${k}='${v.replaceAll("'", `'\\''`)}'\n`;
  }).join("");
}

const WRAPPER = (stdin: boolean, ship: boolean) =>
  `${ship ? AWAIT_READY : ""}. /run/secrets/${ENV_FILE} || exit 125; exec "$@" <${
    stdin ? STDIN_FILE : "/dev/null"
  }`;

/** The service create body; `secret`/`config` are the ids and names of what was created first. */
export function serviceSpec(
  o: DockerRunOptions,
  argv: string[],
  data: {
    secret: { id: string; name: string };
    config?: { id: string; name: string };
    /** Secrets mounted as files at `target` (a staged HOME's credentials). */
    files?: { id: string; name: string; target: string }[];
  },
  where: Placement,
): Record<string, unknown> {
  const [uid, gid] = (o.user ?? "0:0").split(":");
  const file = (name: string) => ({ Name: name, UID: uid, GID: gid, Mode: 0o400 });
  const generic = Object.entries(where.generic).map(([Kind, Value]) => ({
    DiscreteResourceSpec: { Kind, Value },
  }));
  return {
    Name: o.name,
    Labels: o.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: o.image,
        Command: ["/bin/sh", "-c", WRAPPER(!!data.config, !!o.ship), "swarm-agent", ...argv],
        ...(o.user ? { User: o.user } : {}),
        ...(o.workdir ? { Dir: o.workdir } : {}),
        Labels: o.labels,
        Init: true,
        CapabilityDrop: o.capDrop ?? ["ALL"],
        Mounts: o.binds.map((b) => ({
          Type: "bind",
          Source: b.host,
          Target: b.container,
          ReadOnly: b.readonly,
        })),
        Secrets: [
          { SecretID: data.secret.id, SecretName: data.secret.name, File: file(ENV_FILE) },
          ...(data.files ?? []).map((f) => ({
            SecretID: f.id,
            SecretName: f.name,
            File: file(f.target),
          })),
        ],
        Configs: data.config
          ? [{ ConfigID: data.config.id, ConfigName: data.config.name, File: file(STDIN_FILE) }]
          : [],
      },
      Resources: {
        Limits: {
          ...(o.nanoCpus ? { NanoCPUs: o.nanoCpus } : {}),
          ...(o.memoryBytes ? { MemoryBytes: o.memoryBytes } : {}),
          ...(o.pidsLimit ? { Pids: o.pidsLimit } : {}),
        },
        Reservations: {
          ...(where.reserve?.nanoCpus ? { NanoCPUs: where.reserve.nanoCpus } : {}),
          ...(where.reserve?.memoryBytes ? { MemoryBytes: where.reserve.memoryBytes } : {}),
          ...(generic.length ? { GenericResources: generic } : {}),
        },
      },
      RestartPolicy: { Condition: "none", MaxAttempts: 0 },
      Placement: { Constraints: where.constraints },
      Networks: [{ Target: o.network }], // never "none" here: Swarm has none (run.ts isolates)
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  };
}
