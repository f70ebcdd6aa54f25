// The service body the swarm runtime sends: what the sandbox asked for lands in the scheduler's
// terms (constraints, reservations, generic resources), and nothing secret is in it — the
// environment is a secret file the wrapper sources, never Env or an argument.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { placementFor } from "../../../src/plugins/swarm/placement.ts";
import { serviceSpec } from "../../../src/plugins/swarm/service.ts";
import type { DockerRunOptions } from "../../../src/plugins/docker/types.ts";

const o: DockerRunOptions = {
  image: "swarm-mcp-agent:0.1.0",
  cmd: ["-p", "--model", "x"],
  env: { ANTHROPIC_API_KEY: "sk-secret-in-env", HOME: "/home/agent" },
  user: "10001:10001",
  workdir: "/workspace",
  binds: [{ host: "/data/r/a/home", container: "/home/agent", readonly: false }],
  network: "swarm-mcp-swarm-agents",
  memoryBytes: 4 * 2 ** 30,
  nanoCpus: 2e9,
  pidsLimit: 512,
  gpu: true,
  labels: { "swarm-mcp.owner": "i1", "swarm-mcp.run": "r", "swarm-mcp.agent": "a" },
  stdoutFile: "/dev/null",
  stderrFile: "/dev/null",
  timeoutMs: 1000,
  name: "swarm-r-a",
};
const data = { secret: { id: "s1", name: "swarm-r-a-env-x" }, config: { id: "c1", name: "cfg" } };

describe("swarm service spec", () => {
  it("placement, pools and gpu become constraints and generic resources", () => {
    const where = placementFor(
      { placement: ["node.labels.zone==b"], gpu: true, resources: ["fpga", "tokens"] },
      ["fpga"],
    );
    assert.deepEqual(where, {
      constraints: ["node.labels.zone==b"],
      generic: { "NVIDIA-GPU": 1, fpga: 1 },
    });
    const spec = serviceSpec(o, ["claude", ...o.cmd], data, {
      ...where,
      reserve: { memoryBytes: 1 << 30 },
    }) as any;
    const t = spec.TaskTemplate;
    assert.deepEqual(t.Placement.Constraints, ["node.labels.zone==b"]);
    assert.deepEqual(t.Resources.Reservations, {
      MemoryBytes: 1 << 30,
      GenericResources: [
        { DiscreteResourceSpec: { Kind: "NVIDIA-GPU", Value: 1 } },
        { DiscreteResourceSpec: { Kind: "fpga", Value: 1 } },
      ],
    });
    assert.deepEqual(t.Resources.Limits, { NanoCPUs: 2e9, MemoryBytes: 4 * 2 ** 30, Pids: 512 });
    assert.deepEqual(t.RestartPolicy, { Condition: "none", MaxAttempts: 0 });
    assert.deepEqual(spec.Mode, { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } });
    assert.deepEqual(spec.Labels, o.labels);
  });

  it("the environment is a secret file, the stdin a config: no Env, no secret in the argv", () => {
    const spec = serviceSpec(o, ["claude", ...o.cmd], data, {
      constraints: [],
      generic: {},
    }) as any;
    const c = spec.TaskTemplate.ContainerSpec;
    assert.equal(c.Env, undefined);
    assert.ok(!JSON.stringify(spec).includes("sk-secret-in-env"));
    assert.deepEqual(c.Command.slice(4), ["claude", "-p", "--model", "x"]);
    assert.deepEqual(c.Secrets[0].File, {
      Name: "swarm-mcp-env",
      UID: "10001",
      GID: "10001",
      Mode: 0o400,
    });
    assert.equal(c.Configs[0].File.Name, "/run/swarm-mcp/stdin");
    assert.match(
      c.Command[2],
      /\. \/run\/secrets\/swarm-mcp-env .*exec "\$@" <\/run\/swarm-mcp\/stdin/,
    );
    assert.deepEqual(spec.TaskTemplate.Resources.Reservations, {}, "defaults are not reserved");
  });
});
