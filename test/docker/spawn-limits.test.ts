// What a sandbox asks for reaches the real container: Memory, NanoCpus and Image in its HostConfig
// and Config, and gpu: true a DeviceRequest for NVIDIA GPUs (this engine has no NVIDIA runtime, so
// the engine's refusal must name exactly that request). Containers are scoped to this server's
// instance label; the server runs under its own SWARM_HOST_ID.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { type CoreHandle, createCore } from "../../src/core/core.ts";
import { configureLog } from "../../src/core/log.ts";
import { builtins, defaultPlugins } from "../../src/plugins/_registry.ts";
import {
  BASE_IMAGE,
  docker,
  dockerSkip,
  ownedContainers,
  uniqueName,
} from "../helpers/docker-env.ts";

const skip = await dockerSkip();
const nvidia = !skip && /nvidia/.test(await docker("info", "--format", "{{json .Runtimes}}"));

describe("sandbox limits on a real container", { skip }, () => {
  let dir: string;
  let handle: CoreHandle;
  const call = (name: string, args: Record<string, unknown>) =>
    handle.registry.invoke(name, args, { signal: new AbortController().signal }) as Promise<
      Record<string, any>
    >;
  const mine = () => ownedContainers({ "swarm-mcp.owner": handle.core.config.instanceId });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-limits-"));
    configureLog("error", undefined);
    const env = {
      HOME: join(dir, "home"),
      PATH: process.env.PATH,
      SWARM_DATA_DIR: join(dir, "data"),
      SWARM_HOST_ID: uniqueName("swarm-test-host"),
      DOCKER_HOST: process.env.DOCKER_HOST,
    };
    handle = await createCore(loadConfig(env, "test"), { ensureImage: async () => {} });
    await handle.load({
      plugins: defaultPlugins.map((n) => `builtin:${n}`),
      base: process.cwd(),
      source: "test",
    }, builtins);
  });
  after(async () => {
    await handle?.shutdown("test done");
    const left = handle ? await mine() : [];
    if (left.length) await docker("rm", "-f", ...left);
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(left, [], "the server left containers behind");
  });

  it("HostConfig carries the sandbox's memory and cpus, Config its image", async () => {
    const started = await call("run", {
      prompt: "x",
      agent: "command",
      command: ["sleep", "30"],
      network: false,
      memory: "96m",
      cpus: 0.5,
      image: BASE_IMAGE,
      wait_s: 0,
    });
    assert.equal(started.status, "running");
    let ids: string[] = [];
    for (let i = 0; i < 100 && ids.length === 0; i++) {
      ids = await mine();
      if (!ids.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ids.length, 1, "the agent's container did not appear within 10 s");
    const [c] = JSON.parse(await docker("inspect", ids[0]!));
    await call("cancel", { run_id: started.run_id });
    assert.equal(c.HostConfig.Memory, 96 * 1024 ** 2);
    assert.equal(c.HostConfig.NanoCpus, 5e8);
    assert.equal(c.Config.Image, BASE_IMAGE);
    assert.equal(
      c.HostConfig.DeviceRequests ?? null,
      null,
      "a GPU was requested without gpu: true",
    );
  });

  it(
    "gpu: true sends a DeviceRequest for NVIDIA GPUs (refused precisely by an engine without them)",
    { skip: nvidia && "the engine has an NVIDIA runtime" },
    async () => {
      await assert.rejects(
        call("run", {
          prompt: "x",
          agent: "command",
          command: ["true"],
          network: false,
          gpu: true,
          image: BASE_IMAGE,
        }),
        (e: Error) => {
          assert.match(
            e.message,
            /could not select device driver "nvidia" with capabilities: \[\[gpu\]\]/,
          );
          assert.match(
            e.message,
            /^Cannot start a container with gpu enabled: .*install the NVIDIA Container Toolkit/,
          );
          return true;
        },
      );
    },
  );
});
