// How few archive calls an agent on a remote engine costs (src/plugins/docker/ship-capture.ts):
// on the second engine in a container (test/helpers/remote-engine.ts), the engine's own event log
// counts the copies in ("extract-to-dir") and out ("archive-path") per run. Nothing to ship and
// nothing changed: none. A dir the image lacks: found out before the command runs, copied in from
// then on. The wrapper's exit report never reaches stderr; a forged one costs only the agent's own
// files, and without one every dir comes back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import { dockerContainers } from "../../src/plugins/docker/runtime.ts";
import { engineTls, remoteMode } from "../../src/plugins/docker/remote.ts";
import type { ContainerRuntime, ContainerSpec } from "../../src/core/types.ts";
import { BASE_IMAGE, dockerSkip } from "../helpers/docker-env.ts";
import { type RemoteEngine, startRemoteEngine } from "../helpers/remote-engine.ts";
import { agentSpec } from "../helpers/agent-spec.ts";
import { quietLog as quiet } from "../helpers/quiet-log.ts";

const skip = await dockerSkip();
/** The agent reads the wrapper's nonce from its parent's command line, as an attacker would. */
const NONCE = `$(tr '\\0' '\\n' < /proc/$PPID/cmdline | grep -o '[0-9a-f]\\{32\\}' | head -n 1)`;

describe("archive calls of an agent on a remote engine", { skip }, () => {
  let engine: RemoteEngine;
  let rt: ContainerRuntime;
  let dir: string;
  const run = `ship-${process.pid}`;
  const never = new AbortController().signal;
  /** An image with the agent's dirs as dirs anyone may use (mode 1777). */
  const READY = `swarm-test-ready-dirs:${process.pid}`;

  before(async () => {
    engine = await startRemoteEngine();
    await engine.loadImage(BASE_IMAGE);
    const prep = `swarm-test-prep-${process.pid}`;
    const dirs = "/home/agent /output /workspace";
    await engine.docker(
      "run",
      "--name",
      prep,
      BASE_IMAGE,
      "mkdir",
      "-m",
      "1777",
      ...dirs.split(" "),
    );
    await engine.docker("commit", prep, READY);
    dir = await mkdtemp(join(tmpdir(), "swarm-remote-ship-"));
    const env = { ...process.env, ...engine.env, HOME: dir };
    rt = dockerContainers(
      createDockerRuntime({ host: env.DOCKER_HOST, log: quiet, tls: engineTls(env) }),
      { env, dataDir: join(dir, "data"), allowMounts: [], remote: remoteMode(env) },
      quiet,
    );
  });
  after(async () => {
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const spec = (name: string, image: string, script: string): Promise<ContainerSpec> =>
    agentSpec(dir, name, {
      image,
      script,
      run,
      labels: { "swarm-mcp.run": run, "swarm-mcp.agent": name },
      stdin: "prompt",
    });

  /** Run `s` and return what the engine logged for its containers: creates and archive calls. */
  async function calls(s: ContainerSpec) {
    const since = Math.floor(Date.now() / 1000) - 1;
    const exit = await rt.run(s, never);
    const until = Math.ceil(Date.now() / 1000) + 1;
    await new Promise((r) => setTimeout(r, until * 1000 - Date.now() + 100));
    const events = (await engine.docker(
      "events",
      "--since",
      String(since),
      "--until",
      String(until),
      "--filter",
      `label=swarm-mcp.agent=${s.labels["swarm-mcp.agent"]}`,
      "--format",
      "{{.Action}}",
    )).split("\n");
    const count = (a: string) => events.filter((e) => e === a).length;
    return {
      exit,
      creates: count("create"),
      ins: count("extract-to-dir"),
      outs: count("archive-path"),
    };
  }

  it("nothing to ship and nothing changed: no archive call; output and exit code come back, without the report", async () => {
    const s = await spec("noop", READY, "cat; printf err >&2; exit 4");
    const c = await calls(s);
    assert.deepEqual([c.exit.exitCode, c.creates, c.ins, c.outs], [4, 1, 0, 0]);
    assert.equal(await readFile(s.stdout, "utf8"), "prompt");
    assert.equal(await readFile(s.stderr, "utf8"), "err");
    // A dir the agent wrote to comes back, and only that one.
    const w = await spec("writes", READY, "echo made > /output/f; echo warn >&2");
    const cw = await calls(w);
    assert.deepEqual([cw.exit.exitCode, cw.ins, cw.outs], [0, 0, 1]);
    assert.equal(await readFile(join(w.dirs[1]!.host, "f"), "utf8"), "made\n");
    assert.equal(await readFile(w.stderr, "utf8"), "warn\n");
  });

  it("a dir with content goes in and always comes back, changed or not", async () => {
    const s = await spec("content", READY, "cat input.txt; echo more >> input.txt");
    await writeFile(join(s.dirs[2]!.host, "input.txt"), "from the caller\n");
    const c = await calls(s);
    assert.deepEqual([c.exit.exitCode, c.ins, c.outs], [0, 1, 1]);
    assert.equal(await readFile(s.stdout, "utf8"), "from the caller\n");
    assert.equal(
      await readFile(join(s.dirs[2]!.host, "input.txt"), "utf8"),
      "from the caller\nmore\n",
    );
  });

  it("an image that lacks the dirs: found out before the command runs, copied in from then on", async () => {
    const first = await spec("lacks1", BASE_IMAGE, "id -u; echo made > /output/f");
    const c1 = await calls(first);
    // One container that ran nothing, then one with the dirs copied in (a single PUT).
    assert.deepEqual([c1.exit.exitCode, c1.creates, c1.ins, c1.outs], [0, 2, 1, 1]);
    assert.equal(await readFile(first.stdout, "utf8"), `${rt.user!().uid}\n`);
    assert.equal(await readFile(first.stderr, "utf8"), "");
    assert.equal(await readFile(join(first.dirs[1]!.host, "f"), "utf8"), "made\n");
    const second = await spec("lacks2", BASE_IMAGE, "true");
    const c2 = await calls(second);
    assert.deepEqual([c2.exit.exitCode, c2.creates, c2.ins, c2.outs], [0, 1, 1, 0]);
  });

  it("a forged report is stripped and outweighed by the wrapper's; without a report every dir comes back", async () => {
    const forged = await spec(
      "forged",
      READY,
      `printf '\\n%s done000\\n' "${NONCE}" >&2; printf '\\n%s need111\\n' "${NONCE}" >&2
       echo made > /output/f; echo ran; exit 125`,
    );
    const c = await calls(forged);
    assert.deepEqual([c.exit.exitCode, c.creates, c.outs], [125, 1, 1]); // no rerun
    assert.equal(await readFile(forged.stdout, "utf8"), "ran\n");
    assert.equal(await readFile(forged.stderr, "utf8"), "");
    assert.equal(await readFile(join(forged.dirs[1]!.host, "f"), "utf8"), "made\n");

    const killed = await spec("killed", READY, "echo made > /output/f; kill -9 $PPID; sleep 5");
    const k = await calls(killed);
    assert.deepEqual([k.exit.exitCode, k.outs], [137, 3]); // no report: all three dirs
    assert.deepEqual(await readdir(killed.dirs[1]!.host), ["f"]);
  });
});
