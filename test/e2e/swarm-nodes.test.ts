// Issue 16.4(b): a two-node swarm on this machine. The local engine becomes a manager advertised on
// the gateway of a network the test creates (only when it is in no swarm; it leaves again), and a
// second engine in a container (test/helpers/remote-engine.ts) joins it as a worker. It shares no
// filesystem with the server: the agent's files travel through that node's engine (TLS), listed in
// SWARM_NODE_ENGINES. A placement constraint puts a real claude agent there; its ref comes back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { type BinaryServer, binarySkip, startBinary, TEST_HOST_ID } from "../helpers/binary.ts";
import {
  AGENT_IMAGE,
  agentImage,
  docker,
  dockerSkip,
  type ModelEnv,
  startModelEnv,
  uniqueName,
} from "../helpers/docker-env.ts";
import { type RemoteEngine, startRemoteEngine } from "../helpers/remote-engine.ts";
import { until } from "../helpers/wait.ts";

const state = binarySkip || (await dockerSkip())
  ? "skip"
  : await docker("info", "--format", "{{.Swarm.LocalNodeState}}");
const skip = binarySkip || (await dockerSkip()) ||
  (state !== "inactive" &&
    `the local engine is a swarm member already (${state}): this test makes it a manager itself`);

describe("a two-node swarm: placement puts a real agent on the second engine", { skip }, () => {
  let engine: RemoteEngine | undefined;
  let initialised = false;
  let model: ModelEnv | undefined;
  let overlay = "";
  let server: BinaryServer | undefined;
  let worker = "";

  before(async () => {
    await agentImage();
    engine = await startRemoteEngine();
    const gateway = await docker(
      "network",
      "inspect",
      engine.network,
      "--format",
      "{{(index .IPAM.Config 0).Gateway}}",
    );
    await docker("swarm", "init", "--advertise-addr", gateway);
    initialised = true;
    const token = await docker("swarm", "join-token", "-q", "worker");
    await engine.docker("swarm", "join", "--token", token, `${gateway}:2377`);
    worker = await docker("node", "ls", "-q", "--filter", "role=worker");
    await engine.loadImage(AGENT_IMAGE); // no registry: the image goes over docker save | load
    model = await startModelEnv();
    overlay = uniqueName("swarm-test-ov");
    await docker("network", "create", "-d", "overlay", "--attachable", "--internal", overlay);
    const container = model.network.replace("swarm-test-", "swarm-test-model-");
    await docker("network", "connect", "--alias", "model", overlay, container);
    server = await startBinary({
      SWARM_RUNTIME: "swarm",
      SWARM_REMOTE_ENGINE: "1",
      SWARM_NODE_ENGINES: `${worker}=${engine.env.DOCKER_HOST};${engine.env.DOCKER_CERT_PATH}`,
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
    });
  });
  after(async () => {
    await server?.close();
    await model?.stop();
    await engine?.docker("swarm", "leave", "--force").catch(() => {});
    await engine?.stop();
    if (initialised) await docker("swarm", "leave", "--force"); // takes the overlay with it
  });

  it("the constrained agent runs on the worker engine, the other on the manager", async () => {
    await model!.script("far", { turns: [{ delay_ms: 3000, text: "from the second node" }] });
    await model!.script("near", { turns: [{ text: "from the manager" }] });
    const mine = ["--filter", `label=swarm-mcp.host=${TEST_HOST_ID}`];
    const on = (d: typeof docker, agent: string) =>
      d("ps", "-aq", ...mine, "--filter", `label=swarm-mcp.agent=${agent}`);
    let seen = false;
    const watch = until(
      "agent-0's container on the worker engine",
      async () => (seen = (await on(engine!.docker, "agent-0")) !== ""),
      120_000,
      250,
    );
    const res = await server!.call("par", {
      network: overlay,
      model: "claude-sonnet-4-5",
      tools: "Read",
      tasks: [
        { prompt: "[[script:far]] go", placement: ["node.role==worker"] },
        { prompt: "[[script:near]] stay", placement: ["node.role==manager"] },
      ],
    });
    await watch.catch(() => {});
    assert.ok(seen, "agent-0 never ran on the worker engine");
    assert.equal(res.succeeded, 2, JSON.stringify(res.results.map((r: any) => r.error)));
    const texts = await Promise.all(
      res.results.map(async (r: { ref: string }) =>
        readFile((await server!.call("unwrap", { ref: r.ref })).file, "utf8")
      ),
    );
    assert.deepEqual(texts, ["from the second node", "from the manager"]);
    await until(
      "nothing left on the worker engine",
      async () => (await on(engine!.docker, "agent-0")) === "",
      15_000,
    );
  });
});
