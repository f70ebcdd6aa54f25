// SWARM_NODE_ENGINES is the operator's word on which nodes' engines the server may reach: a
// malformed item is refused at first use, and a task on a node it does not list is refused with a
// sentence naming the node, never sent to some other engine.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { DockerApi } from "../../../src/plugins/docker/docker-api.ts";
import { nodeEngines } from "../../../src/plugins/swarm/node-engines.ts";

const manager = {
  endpoint: "unix:///var/run/docker.sock",
  call: (req: { path: string }) =>
    Promise.resolve(req.path === "/nodes/w1" ? { Description: { Hostname: "worker-one" } } : {}),
} as unknown as DockerApi;
const managerNode = () => Promise.resolve("m0");

describe("swarm node engines", () => {
  it("refuses a malformed item with a sentence", () => {
    for (const bad of ["worker-one", "w=unix:///x", "w=tcp://h:1;relative/dir", "=tcp://h:1"]) {
      assert.throws(() => nodeEngines(manager, managerNode, bad), /Cannot read SWARM_NODE_ENGINES/);
    }
  });

  it("the manager's node is the manager; a listed node by hostname gets its own engine", async () => {
    const of = nodeEngines(manager, managerNode, "worker-one=tcp://10.0.0.2:2375");
    assert.equal(await of("m0", "a"), manager);
    const w = await of("w1", "a");
    assert.notEqual(w, manager);
    assert.equal(w.endpoint, "tcp://10.0.0.2:2375");
  });

  it("a node it does not list is refused, naming it", async () => {
    const of = nodeEngines(manager, managerNode, "other=tcp://10.0.0.3:2375");
    await assert.rejects(
      of("w1", "swarm-r-agent-0"),
      /Cannot send the files of "swarm-r-agent-0" to swarm node worker-one.*SWARM_NODE_ENGINES/,
    );
  });
});
