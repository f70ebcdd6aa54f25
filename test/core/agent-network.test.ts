// The agents' default network is created with inter-container traffic off, so agents of one call
// cannot reach each other (the Docker test can only see this when the network does not exist yet).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AGENT_NETWORK, ensureAgentNetwork } from "../../src/plugins/docker/policy.ts";

describe("agent network", () => {
  it("is created labelled, with enable_icc false, only when missing", async () => {
    const made: unknown[][] = [];
    let existing: Record<string, string> | null = null;
    const engine = {
      networkLabels: () => Promise.resolve(existing),
      createNetwork: (...a: unknown[]) => {
        made.push(a);
        return Promise.resolve();
      },
    };
    await ensureAgentNetwork(engine as never);
    assert.deepEqual(made, [[AGENT_NETWORK, { "swarm-mcp.network": "1" }, {
      "com.docker.network.bridge.enable_icc": "false",
    }]]);
    existing = { "swarm-mcp.network": "1" };
    await ensureAgentNetwork(engine as never);
    assert.equal(made.length, 1, "an existing network of ours is created again");
  });
});
