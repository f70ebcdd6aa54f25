// The compiled binary against a remote Docker engine (issue 16.1, 16.4a): DOCKER_HOST=tcp://…:2376
// with TLS certificates the test generated, on a second engine in a container that shares no
// filesystem with this machine (test/helpers/remote-engine.ts). Real claude agents in a `par` reach
// the scripted model server on the network both engines' containers share; their refs come back
// with text, artifacts and workspace files; a host-path mount is refused, and so is a loopback
// ANTHROPIC_BASE_URL (no SWARM_REMOTE_HOST_ADDRESS); a `repo` agent's edit comes back as a commit;
// cancel removes the remote container; a kill -9 of the server leaves a container the next start reaps.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BINARY, type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import {
  AGENT_IMAGE,
  agentImage,
  docker,
  dockerSkip,
  type ModelEnv,
  startModelEnv,
} from "../helpers/docker-env.ts";
import { type RemoteEngine, startRemoteEngine } from "../helpers/remote-engine.ts";
import { until } from "../helpers/wait.ts";
import { hostState, makeRepo, sh } from "../plugins/repo/_fixture.ts";

const skip = binarySkip || (await dockerSkip());

describe(
  "a par of real claude agents on a remote engine (TCP + TLS, no shared files)",
  { skip },
  () => {
    let model: ModelEnv;
    let engine: RemoteEngine;
    let server: BinaryServer;
    let env: Record<string, string>;
    let base: Record<string, unknown>;
    /** Containers of a run on the remote engine. */
    const remote = async (runId: string) =>
      (await engine.docker("ps", "-aq", "--filter", `label=swarm-mcp.run=${runId}`)).split("\n")
        .filter(Boolean);

    before(async () => {
      await agentImage();
      model = await startModelEnv();
      engine = await startRemoteEngine({ network: model.network });
      await engine.loadImage(AGENT_IMAGE);
      const modelIp = await docker(
        "inspect",
        "-f",
        `{{(index .NetworkSettings.Networks "${model.network}").IPAddress}}`,
        `swarm-test-model-${model.network.slice("swarm-test-".length)}`,
      );
      // The agents' network on the remote engine: its containers reach the model through the
      // engine's container (NAT), still inside the --internal network the test made.
      const agentsNet = `${model.network}-agents`;
      await engine.docker("network", "create", "--label", "swarm-test=1", agentsNet);
      env = {
        ...engine.env,
        ANTHROPIC_BASE_URL: `http://${modelIp}:8080`,
        ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      };
      server = await startBinary(env);
      base = { network: agentsNet, model: "claude-sonnet-4-5" };
    });
    after(async () => {
      await server?.close();
      await engine?.stop();
      await model?.stop();
    });

    it("par: text, artifacts and workspace files come back into each ref", async () => {
      for (const i of [0, 1]) {
        await model.script(`w${i}`, {
          turns: [
            {
              text: "Writing.",
              tool_use: [
                {
                  name: "Write",
                  input: { file_path: `/output/a${i}.txt`, content: `artifact ${i}\n` },
                },
                {
                  name: "Write",
                  input: { file_path: `/workspace/w${i}.txt`, content: `ws ${i}\n` },
                },
              ],
            },
            { text: `done ${i}` },
          ],
        });
      }
      const res = await server.call("par", {
        ...base,
        tools: ["Write"],
        tasks: [0, 1].map((i) => ({ prompt: `[[script:w${i}]] write` })),
      });
      assert.equal(res.succeeded, 2, JSON.stringify(res));
      for (const [i, r] of (res.results as { ref: string; output_dir: string }[]).entries()) {
        const out = await server.call("unwrap", { ref: r.ref });
        assert.equal(await readFile(out.file, "utf8"), `done ${i}`);
        assert.equal(
          await readFile(join(r.output_dir, "out", `a${i}.txt`), "utf8"),
          `artifact ${i}\n`,
        );
        assert.match(
          await readFile(join(r.output_dir, "out", "artifacts.jsonl"), "utf8"),
          /"tool":"Write"/,
        );
        const ws = join(r.output_dir, "workspace", `w${i}.txt`);
        assert.equal(await readFile(ws, "utf8"), `ws ${i}\n`);
      }
      assert.deepEqual(await remote(res.run_id), []);
    });

    it("refuses a host-path mount: the remote engine does not see this machine's files", async () => {
      const host = await mkdtemp(join(tmpdir(), "swarm-remote-mount-"));
      const res = await server.call("run", {
        ...base,
        prompt: "hello",
        mounts: [{ host_path: host, container_path: "/data" }],
      }, { allowError: true });
      assert.ok(res.isError, JSON.stringify(res));
      assert.match(
        res.text,
        /is remote and does not see this machine's files.*SWARM_SHARED_PATHS=/,
      );
    });

    it("cancel removes the remote container", async () => {
      await model.script("forever", { turns: [{ delay_ms: 120000, text: "never" }] });
      const started = await server.call("run", {
        ...base,
        prompt: "[[script:forever]] x",
        wait_s: 0,
      });
      await until(
        "the remote container running",
        async () => (await remote(started.run_id)).length === 1,
        60000,
      );
      const res = await server.call("cancel", { run_id: started.run_id });
      assert.equal(res.status, "cancelled");
      await until(
        "the remote container removed",
        async () => (await remote(started.run_id)).length === 0,
        5000,
      );
    });

    it("a kill -9 of the server leaves a remote container that the next start reaps", async () => {
      const doomed = await startBinary(env);
      await model.script("forever2", { turns: [{ delay_ms: 120000, text: "never" }] });
      const started = await doomed.call("run", {
        ...base,
        prompt: "[[script:forever2]] x",
        wait_s: 0,
      });
      await until(
        "the remote container running",
        async () => (await remote(started.run_id)).length === 1,
        60000,
      );
      process.kill(doomed.transport.pid!, "SIGKILL");
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await remote(started.run_id)).length, 1, "the container outlived its server");
      const next = await startBinary(env);
      try {
        await until(
          "the next start reaped it",
          async () => (await remote(started.run_id)).length === 0,
          30000,
        );
      } finally {
        await next.close();
        await doomed.close().catch(() => {});
      }
    });

    it("a loopback ANTHROPIC_BASE_URL is refused before the agent starts, saying what to set", async () => {
      const res = await server.call("run", {
        ...base,
        prompt: "hello",
        env_vars: { ANTHROPIC_BASE_URL: "http://127.0.0.1:9" },
      }, { allowError: true });
      assert.ok(res.isError, JSON.stringify(res));
      assert.match(
        res.text,
        /Cannot start the agent with ANTHROPIC_BASE_URL: the Docker engine at tcp:\/\/.* is remote, so this machine's loopback is out of its containers' reach; set SWARM_REMOTE_HOST_ADDRESS/,
      );
    });

    it("repo: a command agent's edit on the remote engine comes back as a commit on its branch", async () => {
      const repo = await makeRepo();
      try {
        const host = hostState(repo.dir);
        const ref = await server.call("run", {
          agent: "command",
          command: ["sh", "-c", "test ! -e .git && echo remote >> a.txt"],
          network: false,
          prompt: "edit",
          repo: repo.dir,
        });
        assert.equal(ref.status, "ok", JSON.stringify(ref));
        const s = ref.stamps.repo;
        assert.deepEqual([s.files_changed, s.insertions], [1, 1], JSON.stringify(s));
        assert.match(sh(repo.dir, "show", String(s.branch), "--", "a.txt"), /\+remote/);
        assert.equal(hostState(repo.dir), host); // the host's work tree untouched
      } finally {
        await repo.dispose();
      }
    });

    it("doctor reaches the remote engine with its TLS files", async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "swarm-doc-"));
      const { stdout } = await promisify(execFile)(BINARY, ["doctor"], {
        env: { ...process.env, ...env, SWARM_DATA_DIR: dataDir },
      }).catch((e) => e as { stdout: string });
      assert.match(stdout, new RegExp(`reachable at ${engine.env.DOCKER_HOST}`));
    });
  },
);
