// On the real engine: a `command` agent asked to mount /var/run (the Docker socket's directory),
// directly or through a planted symlink, gets FORBIDDEN and no container is ever created; the same
// call with a project directory does start one, so the refusal is what stopped it. So is a
// directory holding a host program's listening socket (tmux's, an SSH agent's).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { type CoreHandle, createCore } from "../../src/core/core.ts";
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime } from "../helpers/tool-error.ts";
import { configureLog, logger } from "../../src/core/log.ts";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import { dockerContainers } from "../../src/plugins/docker/runtime.ts";
import type { DockerEngine, DockerRunOptions } from "../../src/plugins/docker/types.ts";
import { builtins } from "../../src/plugins/_registry.ts";
import { agentImage, dockerSkip, ownedContainers, uniqueName } from "../helpers/docker-env.ts";

const skip = await dockerSkip();

describe("mount escape on the real engine", { skip }, () => {
  let dir: string;
  let handle: CoreHandle;
  let runs = 0;
  let image = "";
  const host = createServer((c) => c.end("host program\n"));
  const call = (mountPath: string) =>
    handle.registry.invoke("run", {
      agent: "command",
      image, // the command driver has no image of its own and no driver with one is loaded
      command: ["sh", "-c", "ls /mnt/host"],
      prompt: "list",
      network: false,
      timeout: 60,
      wait_s: 120,
      mounts: [{ host_path: mountPath, container_path: "/mnt/host" }],
    }, { signal: AbortSignal.timeout(120_000) });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-mount-escape-"));
    await mkdir(join(dir, "project"));
    await writeFile(join(dir, "project", "marker.txt"), "x");
    await symlink("/var/run", join(dir, "project-link"));
    await mkdir(join(dir, "tmux-1000"));
    await new Promise<void>((ok, ko) =>
      host.once("error", ko).listen(join(dir, "tmux-1000", "default"), ok)
    );
    configureLog("error", undefined);
    const real = createDockerRuntime({ host: process.env.DOCKER_HOST, log: logger("docker") });
    // The real engine, counting the containers it is asked to run.
    const counting: DockerEngine = Object.assign(Object.create(real), {
      run: (o: DockerRunOptions, s: AbortSignal) => (runs++, real.run(o, s)),
    });
    const config = loadConfig({
      HOME: join(dir, "home"),
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      SWARM_DATA_DIR: join(dir, "data"),
      SWARM_IMAGE: image = await agentImage(),
      DOCKER_HOST: process.env.DOCKER_HOST ?? "",
      // Its own host identity: no other server's reaper on this engine may touch its containers.
      SWARM_HOST_ID: uniqueName("swarm-test-host"),
    }, "test");
    handle = await createCore(config, {
      runtime: dockerContainers(counting, config, logger("docker")),
      ensureImage: async () => {},
    });
    await handle.load({
      plugins: ["builtin:command", "builtin:combinators", "builtin:observe"],
      base: process.cwd(),
      source: "test",
    }, builtins);
  });
  after(async () => {
    await handle?.shutdown("test done");
    await new Promise((ok) => host.close(ok));
    await rm(dir, { recursive: true, force: true });
  });

  for (const path of ["/var/run", "project-link"]) {
    it(`${path} is FORBIDDEN before any container exists`, async () => {
      const before = runs;
      const err = await call(path.startsWith("/") ? path : join(dir, path)).then(
        (r) => r,
        fromRuntime,
      );
      assert.ok(isToolError(err), `the agent ran: ${JSON.stringify(err).slice(0, 300)}`);
      assert.equal(err.code, "FORBIDDEN", err.message);
      assert.match(err.message, /system directory \/run/);
      assert.equal(runs, before, "no container was started");
      assert.deepEqual(
        await ownedContainers({ "swarm-mcp.owner": handle.core.config.instanceId }),
        [],
      );
    });
  }

  it("a directory holding a listening host socket is FORBIDDEN before any container exists", async () => {
    const before = runs;
    const err = await call(join(dir, "tmux-1000")).then((r) => r, fromRuntime);
    assert.ok(isToolError(err), `the agent ran: ${JSON.stringify(err).slice(0, 300)}`);
    assert.equal(err.code, "FORBIDDEN", err.message);
    assert.match(err.message, /holds the Unix socket "default"/);
    assert.equal(runs, before, "no container was started");
  });

  it("a project directory mounts and the agent sees it (the control)", async () => {
    const before = runs;
    const ref = await call(join(dir, "project")) as { status: string; ref: string };
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    assert.equal(runs, before + 1);
    assert.match(await handle.core.refs.readText(ref.ref), /marker\.txt/);
  });
});
