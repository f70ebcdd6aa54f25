// Where an agent's service goes and what it reserves: the sandbox's `placement` constraints, and
// node generic resources for `gpu` and for the pools the operator maps (SWARM_GENERIC_RESOURCES).
// Kept apart from the service body: index.ts needs it at start, without loading the runtime.
import type { SandboxSpec } from "../../core/types.ts";

/** What the server places beside the service: where it runs and what it reserves. */
export interface Placement {
  constraints: string[];
  /** Node generic resources (e.g. {"NVIDIA-GPU": 1}) the task reserves. */
  generic: Record<string, number>;
  /** What the sandbox itself asked for (not the runtime's default limits, which would let only
   * as many agents run as the node has cores): the scheduler places the agent where it fits. */
  reserve?: { nanoCpus?: number; memoryBytes?: number };
}

/** One unit of `NVIDIA-GPU` for gpu, one of each named pool that is in `generic`. */
export function placementFor(
  spec: Pick<SandboxSpec, "placement" | "gpu" | "resources">,
  generic: string[],
): Placement {
  return {
    constraints: spec.placement ?? [],
    generic: Object.fromEntries([
      ...(spec.gpu ? [["NVIDIA-GPU", 1]] : []),
      ...spec.resources.filter((r) => r && generic.includes(r)).map((r) => [r, 1]),
    ]),
  };
}
