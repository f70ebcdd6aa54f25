// The ssh:// transport (ssh.ts) under node:http: each connection is an `ssh … docker system
// dial-stdio` child, and the engine closes it right after its answer. Built on Duplex.from, the
// connection could close with the answer's last bytes unread: node:http then failed the finished
// response ("aborted") where no listener could catch it, and the call never settled — a run hung
// for good. A stand-in ssh dials this machine's engine over its unix socket, as sshd's dial-stdio
// would on the remote machine.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import { dockerEndpoint } from "../../src/plugins/docker/context.ts";
import { dockerContainers } from "../../src/plugins/docker/runtime.ts";
import { remoteMode } from "../../src/plugins/docker/remote.ts";
import type { Logger } from "../../src/core/types.ts";
import { BASE_IMAGE, dockerSkip } from "../helpers/docker-env.ts";
import { agentSpec } from "../helpers/agent-spec.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const skip = await dockerSkip();

describe("docker engine over ssh://", { skip }, () => {
  let bin: string;
  const path = process.env.PATH;
  const uncaught: unknown[] = [];
  const note = (e: unknown) => uncaught.push(e);
  before(async () => {
    bin = await mkdtemp(join(tmpdir(), "swarm-ssh-"));
    await writeFile(
      join(bin, "ssh"),
      "#!/bin/sh\nexec docker --host unix:///var/run/docker.sock system dial-stdio\n",
      { mode: 0o755 },
    );
    process.env.PATH = `${bin}:${path}`;
    process.on("uncaughtException", note);
  });
  after(async () => {
    process.off("uncaughtException", note);
    process.env.PATH = path;
    await rm(bin, { recursive: true, force: true });
  });

  it("runs agent after agent, each call answered, nothing thrown uncaught", async () => {
    const env = { ...process.env, DOCKER_HOST: "ssh://deploy@build-box", HOME: bin };
    const rt = dockerContainers(
      createDockerRuntime({ ...dockerEndpoint(env), log: quiet }),
      { env, dataDir: join(bin, "data"), allowMounts: [], remote: remoteMode(env) },
      quiet,
    );
    for (let i = 0; i < 6; i++) {
      const spec = await agentSpec(bin, `agent-${i}`, {
        image: BASE_IMAGE,
        script: "cat; cat in.txt; echo back > /output/o.txt",
        run: `ssh-${process.pid}`,
        labels: { "swarm-test": "1", "swarm-mcp.owner": `ssh-${process.pid}` },
        workdir: "/work",
        stdin: "from stdin\n",
        timeoutMs: 30_000,
      });
      const d = join(bin, `agent-${i}`);
      await writeFile(join(d, "ws", "in.txt"), `input ${i}`);
      // Over one read buffer and not a multiple of the tar block: the upload goes in pieces.
      await writeFile(join(d, "ws", "big.bin"), Buffer.alloc(3_000_001, 7));
      await writeFile(join(d, "home", "settings.json"), "{}");
      const exit = await Promise.race([
        rt.run(spec, new AbortController().signal),
        new Promise<null>((r) => setTimeout(() => r(null), 30_000)),
      ]);
      assert.ok(exit, `agent ${i} over ssh:// did not finish within 30 s`);
      assert.equal(exit.exitCode, 0);
      assert.equal(await readFile(spec.stdout, "utf8"), `from stdin\ninput ${i}`);
      assert.equal(await readFile(join(d, "out", "o.txt"), "utf8"), "back\n");
    }
    await new Promise((r) => setTimeout(r, 200)); // a late "aborted" surfaces on the next ticks
    assert.deepEqual(uncaught.map(String), []);
  });
});
