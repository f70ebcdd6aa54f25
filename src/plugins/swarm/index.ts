// The runtime "swarm": each agent a one-shot Docker Swarm service (SWARM_RUNTIME=swarm, DOCKER_HOST
// a manager). With another runtime selected it declares nothing and loads nothing: no field in
// tools/list, no hook, only the provider, whose code is imported on first use.
import type { Core, Plugin, PluginFactory } from "../../core/types.ts";
import { type Placement, placementFor } from "./placement.ts";

declare module "../../core/sandbox-types.ts" {
  interface SandboxSpec {
    /** Swarm placement constraints, e.g. "node.hostname==gpu-1" (runtime "swarm" only). */
    placement?: string[];
  }
}

const CONSTRAINT = /^[A-Za-z0-9_.-]+ *(==|!=) *[A-Za-z0-9_.:/-]+$/;

export default ((core: Core): Plugin => {
  const { env, dataDir, allowMounts } = core.config;
  const on = env.SWARM_RUNTIME === "swarm";
  // Pools named here reserve one unit of the node generic resource of the same name.
  const generic = (env.SWARM_GENERIC_RESOURCES ?? "").split(",").map((s) => s.trim());
  const placements = new Map<string, Placement>(); // "run/agent" → what its sandbox asked
  const key = (run: string | undefined, agent: string | undefined) => `${run}/${agent}`;
  return {
    name: "swarm",
    fields: on
      ? [{
        name: "placement",
        schema: core.v.pipe(
          core.v.array(core.v.string()),
          core.v.description('Swarm placement constraints, e.g. ["node.labels.zone==b"]'),
        ),
        normalize: (x, k) => k.list(x, [CONSTRAINT, 'constraints like "node.hostname==n1"']),
      }]
      : [],
    hooks: on
      ? {
        prepare(job) {
          placements.set(key(job.run_id, job.agent_id), placementFor(job.spec, generic));
        },
        finish(job) {
          placements.delete(key(job.run_id, job.agent_id));
        },
      }
      : undefined,
    runtimes: [{
      name: "swarm",
      async create() {
        const [{ swarmRuntime }, { remoteMode }] = await Promise.all([
          import("./runtime.ts"),
          import("../docker/remote.ts"),
        ]);
        const policy = { env, dataDir, allowMounts, remote: remoteMode(env) };
        return swarmRuntime(policy, core.logger("swarm"), (
          labels,
        ) => {
          const k = key(labels["swarm-mcp.run"], labels["swarm-mcp.agent"]);
          return placements.get(k) ?? { constraints: [], generic: {} };
        });
      },
    }],
  };
}) satisfies PluginFactory;
