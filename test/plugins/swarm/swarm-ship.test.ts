// The swarm runtime without a shared filesystem (SWARM_REMOTE_ENGINE=1) on a real single-node swarm
// of the local engine (initialised here when the engine is in none, and left again afterwards): a
// hostile agent's dirs come back by the same rules as from a remote engine (a name that forges a
// pax record, links pointing out, what it removed), and its service, task container, secret and
// network are gone afterwards, on success as on a refused copy back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerRuntime } from "../../../src/core/types.ts";
import { remoteMode } from "../../../src/plugins/docker/remote.ts";
import { swarmRuntime } from "../../../src/plugins/swarm/runtime.ts";
import { BASE_IMAGE, docker, dockerSkip } from "../../helpers/docker-env.ts";
import { agentSpec } from "../../helpers/agent-spec.ts";
import { until } from "../../helpers/wait.ts";
import { quietLog as quiet } from "../../helpers/quiet-log.ts";

const skip = await dockerSkip();
const swarmState = () => docker("info", "--format", "{{.Swarm.LocalNodeState}}");

/** Services, task containers, secrets, configs and networks of one run. */
async function leftOnSwarm(run: string): Promise<string[]> {
  const f = ["--filter", `label=swarm-mcp.run=${run}`];
  const lists = await Promise.all([
    ...["service", "secret", "config", "network"].map((kind) => docker(kind, "ls", "-q", ...f)),
    docker("ps", "-aq", ...f),
  ]);
  return lists.flatMap((l, i) => (l ? l.split("\n").map((id) => `${i}:${id}`) : []));
}

describe("swarm runtime, files through the archive endpoint", { skip }, () => {
  let initialised = false;
  let rt: ContainerRuntime;
  let dir: string;
  const run = `swarmship${process.pid}`;
  const never = new AbortController().signal;

  before(async () => {
    if ((await swarmState()) !== "active") {
      await docker("swarm", "init", "--advertise-addr", "127.0.0.1");
      initialised = true;
    }
    dir = await mkdtemp(join(tmpdir(), "swarm-ship-"));
    const env = { ...process.env, SWARM_REMOTE_ENGINE: "1", HOME: dir };
    const policy = { env, dataDir: join(dir, "data"), allowMounts: [], remote: remoteMode(env) };
    rt = swarmRuntime(policy, quiet, () => ({ constraints: [], generic: {} }));
  });
  after(async () => {
    await until("the run's objects gone", async () => (await leftOnSwarm(run)).length === 0, 15000)
      .catch(() => {});
    if (initialised) await docker("swarm", "leave", "--force");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const spec = (name: string, script: string) =>
    agentSpec(dir, name, {
      image: BASE_IMAGE,
      script,
      run,
      labels: { "swarm-mcp.owner": `owner-${run}`, "swarm-mcp.run": run, "swarm-mcp.agent": name },
    });

  it("a hostile agent's dirs come back by the archive rules; nothing is left on the swarm", async () => {
    const s = await spec(
      "a",
      [
        `cd /workspace; cat staged; rm staged; ln -s /etc/shadow shadow; echo kept > kept`,
        `printf forged > "$(printf '\\303\\251\\n9 size=0')"`,
      ].join("\n"),
    );
    const ws = s.dirs[2]!.host;
    await writeFile(join(ws, "staged"), "went in\n");
    const exit = await rt.run(s, never);
    assert.equal(exit.exitCode, 0);
    assert.equal(await readFile(s.stdout, "utf8"), "went in\n");
    assert.deepEqual((await readdir(ws)).sort(), ["kept", "\u00e9\n9 size=0"]);
    assert.equal(await readFile(join(ws, "\u00e9\n9 size=0"), "utf8"), "forged");
    await until("the run's objects gone", async () => (await leftOnSwarm(run)).length === 0, 15000);
  });

  it("a copy back over the limit fails the agent with a sentence; a timeout too; nothing is left", async () => {
    const env = { ...process.env, SWARM_REMOTE_ENGINE: "1", SWARM_REMOTE_MAX_BYTES: "100000" };
    const policy = { env, dataDir: join(dir, "data"), allowMounts: [], remote: remoteMode(env) };
    const small = swarmRuntime(policy, quiet, () => ({ constraints: [], generic: {} }));
    const big = await spec("big", "head -c 300000 /dev/zero > /output/zeros");
    await assert.rejects(
      small.run(big, never),
      /Cannot copy back \/output from container \w+: over 100000 bytes; the agent's archive is refused/,
    );
    const slow = { ...(await spec("slow", "sleep 60")), timeoutMs: 3000 };
    const exit = await rt.run(slow, never);
    assert.equal(exit.timedOut, true);
    await until("the run's objects gone", async () => (await leftOnSwarm(run)).length === 0, 15000);
  });
});
