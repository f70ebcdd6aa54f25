// The swarm runtime end to end: the compiled binary with SWARM_RUNTIME=swarm on a single-node swarm
// of the local engine (initialised here when the engine is in none, and left again afterwards), real
// claude agents as one-shot services against the scripted model server, which joins an attachable
// overlay network the test creates.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary, TEST_HOST_ID } from "../helpers/binary.ts";
import {
  agentImage,
  docker,
  dockerSkip,
  type ModelEnv,
  startModelEnv,
  uniqueName,
} from "../helpers/docker-env.ts";
import { until } from "../helpers/wait.ts";

const skip = binarySkip || (await dockerSkip());
const swarmState = () => docker("info", "--format", "{{.Swarm.LocalNodeState}}");

/** Services, task containers, secrets, configs and networks carrying these labels. */
async function leftOnSwarm(labels: Record<string, string>): Promise<string[]> {
  const f = Object.entries(labels).flatMap(([k, v]) => ["--filter", `label=${k}=${v}`]);
  const lists = await Promise.all([
    ...["service", "secret", "config", "network"].map((kind) => docker(kind, "ls", "-q", ...f)),
    docker("ps", "-aq", ...f),
  ]);
  return lists.flatMap((l, i) => (l ? l.split("\n").map((id) => `${i}:${id}`) : []));
}

/** The service of agent-0 of a run of this test's servers, once it exists. */
async function firstAgentService(): Promise<string> {
  const mine = [`swarm-mcp.host=${TEST_HOST_ID}`, "swarm-mcp.agent=agent-0"];
  const ls = () =>
    docker("service", "ls", "-q", ...mine.flatMap((l) => ["--filter", `label=${l}`]));
  await until("the agent's service exists", async () => (await ls()) !== "", 30000);
  return (await ls()).split("\n")[0]!;
}

describe("agents as Swarm services", { skip }, () => {
  let initialised = false;
  let model: ModelEnv;
  let overlay = "";
  let server: BinaryServer;
  let base: Record<string, unknown>;
  const env = () => ({
    SWARM_RUNTIME: "swarm",
    ANTHROPIC_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: "sk-test-swarm-secret-key",
  });
  const text = async (ref: string) => readFile((await server.call("unwrap", { ref })).file, "utf8");

  before(async () => {
    if ((await swarmState()) !== "active") {
      await docker("swarm", "init", "--advertise-addr", "127.0.0.1");
      initialised = true;
    }
    await agentImage();
    model = await startModelEnv();
    overlay = uniqueName("swarm-test-ov");
    await docker(
      "network",
      "create",
      "--driver",
      "overlay",
      "--attachable",
      "--internal",
      "--label",
      "swarm-test=1",
      overlay,
    );
    const container = model.network.replace("swarm-test-", "swarm-test-model-");
    await docker("network", "connect", "--alias", "model", overlay, container);
    server = await startBinary(env());
    base = { network: overlay, model: "claude-sonnet-4-5", tools: "Read" };
  });
  after(async () => {
    await server?.close();
    await model?.stop(); // removes the model container first: the overlay is free then
    // The overlay stays in use until the last task's container is gone.
    if (overlay) {
      await until(
        "the test overlay removed",
        () => docker("network", "rm", overlay).then(() => true, () => false),
        10000,
      );
    }
    if (initialised) await docker("swarm", "leave", "--force");
  });

  it("par of real claude agents returns refs with text; nothing is left on the swarm", async () => {
    await model.script("s0", { turns: [{ text: "north" }] });
    await model.script("s1", { turns: [{ text: "south" }] });
    const res = await server.call("par", {
      ...base,
      tasks: [0, 1].map((i) => ({ prompt: `[[script:s${i}]] part ${i}` })),
    });
    assert.equal(res.succeeded, 2, JSON.stringify(res.results.map((r: any) => r.error)));
    assert.deepEqual(await Promise.all(res.results.map((r: any) => text(r.ref))), [
      "north",
      "south",
    ]);
    assert.ok(res.totals.cost_usd > 0, "cost is on the refs");
    assert.deepEqual(await leftOnSwarm({ "swarm-mcp.run": res.run_id }), []);
  });

  it("command agents: stdin arrives, the exit code comes back, network false reaches nothing", async () => {
    const ip = await docker(
      "inspect",
      "--format",
      `{{(index .NetworkSettings.Networks "${overlay}").IPAddress}}`,
      model.network.replace("swarm-test-", "swarm-test-model-"),
    );
    // bash's /dev/tcp: "reached" when a connection to the model server opens within 3 s.
    const probe = `timeout 3 bash -c 'exec 3<>/dev/tcp/${ip}/8080' && echo reached || echo cut off`;
    const cmd = (network: boolean | string, script: string) => ({
      agent: "command",
      network,
      timeout: 60,
      command: ["sh", "-c", script],
    });
    const res = await server.call("par", {
      tasks: [
        { prompt: "it's stdin", ...cmd(false, "tr a-z A-Z; exit 3") },
        { prompt: "-", ...cmd(false, probe) },
        { prompt: "-", ...cmd(overlay, probe) },
      ],
    });
    const [upper, cut, reached] = res.results;
    assert.equal(upper.exit_code, 3, JSON.stringify(res.results, null, 1));
    assert.equal(upper.status, "failed");
    assert.match(await readFile(join(upper.output_dir, "stream.jsonl"), "utf8"), /^IT'S STDIN/);
    assert.equal((await text(cut.ref)).trim(), "cut off", "network false reached the model server");
    assert.equal(
      (await text(reached.ref)).trim(),
      "reached",
      "the control agent could not reach it",
    );
    await until(
      "no object of the run left",
      async () => (await leftOnSwarm({ "swarm-mcp.run": res.run_id })).length === 0,
      10000,
    );
  });

  it("output is followed while the agent runs, and complete when it ends", async () => {
    const started = await server.call("run", {
      prompt: "-",
      agent: "command",
      timeout: 60,
      command: ["sh", "-c", "echo first; sleep 5; echo second"],
      wait_s: 0,
    });
    const file = join(server.dataDir, started.run_id, "agent-0", "stream.jsonl");
    // Only "first" while it sleeps: read at the end, the file would go from empty to both lines.
    await until(
      "stream.jsonl holding the first line alone while the agent runs",
      async () => (await readFile(file, "utf8").catch(() => "")) === "first\n",
      30000,
      100,
    );
    await server.call("wait", { run_id: started.run_id, wait_s: 60 });
    assert.equal(await readFile(file, "utf8"), "first\nsecond\n");
  });

  it("placement is a sandbox field: a constraint no node meets times out, one that holds runs", async () => {
    const agent = (placement: unknown) => ({
      agent: "command",
      command: ["sh", "-c", "echo placed"],
      timeout: 4,
      placement,
    });
    const res = await server.call("par", {
      tasks: [
        { prompt: "-", ...agent(["node.role==worker"]) }, // a single-node swarm has none
        { prompt: "-", ...agent("node.role==manager") },
      ],
    });
    const [nowhere, here] = res.results;
    assert.equal(nowhere.status, "timeout", JSON.stringify(nowhere));
    assert.equal(here.status, "ok", here.error);
    assert.equal((await text(here.ref)).trim(), "placed");
    await until(
      "no object of the run left",
      async () => (await leftOnSwarm({ "swarm-mcp.run": res.run_id })).length === 0,
      10000,
    );
    const bad = await server.call("run", { prompt: "-", ...agent(["rm -rf /"]) }, {
      allowError: true,
    });
    assert.match(bad.text, /Cannot use sandbox field "placement\[0\]".*node\.hostname==n1/);
  });

  it("without a shared filesystem (SWARM_REMOTE_ENGINE=1) the dirs travel through the archive endpoint", async () => {
    const remote = await startBinary({ ...env(), SWARM_REMOTE_ENGINE: "1" });
    try {
      const started = remote.call("run", {
        prompt: "-",
        agent: "command",
        timeout: 60,
        input_files: { "in.txt": "shipped in\n" },
        command: ["sh", "-c", "sleep 2; cat in.txt; tr a-z A-Z < in.txt > out.txt"],
      });
      const id = await firstAgentService();
      const spec = JSON.parse(await docker("service", "inspect", id))[0];
      assert.deepEqual(spec.Spec.TaskTemplate.ContainerSpec.Mounts ?? [], [], "no bind mounts");
      const ref = await started;
      assert.equal(ref.status, "ok", ref.error);
      assert.equal(await readFile(join(ref.output_dir, "stream.jsonl"), "utf8"), "shipped in\n");
      assert.equal(
        await readFile(join(ref.output_dir, "workspace", "out.txt"), "utf8"),
        "SHIPPED IN\n",
      );
    } finally {
      await remote.close();
    }
  });

  it("without a shared filesystem a staged OAuth login travels as a Swarm secret, not in the layer or the spec", async () => {
    const config = await mkdtemp(join(tmpdir(), "swarm-claude-config-"));
    const token = "sk-ant-oat01-swarm-test-oauth-secret";
    await writeFile(
      join(config, ".credentials.json"),
      JSON.stringify({
        claudeAiOauth: {
          accessToken: token,
          expiresAt: Date.now() + 86400000,
          scopes: ["user:inference", "user:profile"],
          subscriptionType: "max",
        },
      }),
    );
    const remote = await startBinary({
      SWARM_RUNTIME: "swarm",
      SWARM_REMOTE_ENGINE: "1",
      ANTHROPIC_BASE_URL: model.baseUrl,
      CLAUDE_CONFIG_DIR: config,
    });
    try {
      await model.script("oauth", { turns: [{ delay_ms: 4000, text: "logged in" }] });
      const call = remote.call("run", { ...base, prompt: "[[script:oauth]] who" });
      const id = await firstAgentService();
      const spec = await docker("service", "inspect", id);
      assert.ok(!spec.includes(token), "the OAuth token shows in the service spec");
      const files = JSON.parse(spec)[0].Spec.TaskTemplate.ContainerSpec.Secrets
        .map((x: { File: { Name: string } }) => x.File.Name);
      assert.ok(files.includes("/home/agent/.claude/.credentials.json"), files.join(", "));
      const ref = await call;
      assert.equal(ref.status, "ok", ref.error);
      const out = await remote.call("unwrap", { ref: ref.ref });
      assert.equal(await readFile(out.file, "utf8"), "logged in");
      assert.ok((await model.requests()).some((r) => r.has_api_key), "the CLI sent a credential");
    } finally {
      await remote.close();
      await rm(config, { recursive: true, force: true });
    }
  });

  it("the API key is in no service's env or args; cancel removes the service and its container within 3 s", async () => {
    await model.script("slow", { turns: [{ delay_ms: 120000, text: "never" }] });
    const started = await server.call("run", {
      ...base,
      prompt: "[[script:slow]] wait",
      wait_s: 0,
    });
    const labels = { "swarm-mcp.run": started.run_id };
    const services = async () =>
      (await docker("service", "ls", "-q", "--filter", `label=swarm-mcp.run=${started.run_id}`))
        .split("\n").filter(Boolean);
    await until("the agent's service exists", async () => (await services()).length === 1, 30000);
    const spec = await docker("service", "inspect", (await services())[0]!);
    assert.ok(!spec.includes("sk-test-swarm-secret-key"), "the API key shows in the service spec");
    assert.match(spec, /"Secrets": \[/, "the environment travels as a secret");
    const res = await server.call("cancel", { run_id: started.run_id });
    assert.equal(res.status, "cancelled");
    await until(
      "service, container, secret and config removed",
      async () => (await leftOnSwarm(labels)).length === 0,
      3000,
    );
  });

  it("kill -9 of the server: the next start removes its services, secrets and configs", async () => {
    await model.script("hang", { turns: [{ delay_ms: 120000, text: "never" }] });
    const doomed = await startBinary(env());
    const started = await doomed.call("run", {
      ...base,
      prompt: "[[script:hang]] wait",
      wait_s: 0,
    });
    const labels = { "swarm-mcp.run": started.run_id };
    await until(
      "the doomed agent's objects exist",
      async () => (await leftOnSwarm(labels)).length >= 4,
      30000,
    );
    process.kill(doomed.transport.pid!, "SIGKILL");
    await doomed.close().catch(() => {});
    const next = await startBinary(env());
    try {
      await until(
        "the next start reaped them",
        async () => (await leftOnSwarm(labels)).length === 0,
        15000,
      );
    } finally {
      await next.close();
    }
  });
});
