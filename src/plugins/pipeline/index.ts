// pipeline: a JSON definition of steps (one agent each) with on_fail / next / retry_if jumps, a
// budget, a deadline, a /shared dir every step mounts, a journal and resume.
import type { PluginFactory } from "../../core/types.ts";
import { pipeline } from "./pipeline.ts";

export default ((core) => {
  /** "<run_id>/<agent_id>" → the host dir bound at /shared, while that step's agent starts. */
  const shared = new Map<string, string>();
  return {
    name: "pipeline",
    tools: [pipeline(core, shared)],
    hooks: {
      prepare(job) {
        const host = shared.get(`${job.run_id}/${job.agent_id}`);
        return host ? { dirs: [{ host, container: "/shared" }] } : undefined;
      },
    },
  };
}) satisfies PluginFactory;
