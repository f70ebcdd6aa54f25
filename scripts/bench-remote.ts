// Remote-engine benchmark (issue 16): `run` of a no-op command agent through the compiled binary
// with DOCKER_HOST=tcp://… + TLS, against create+start+wait+remove of the same container through
// the raw Engine API on the same engine, in the same run (target ≤ 1.15×). The engine is the test
// suite's second engine in a container (test/helpers/remote-engine.ts), removed afterwards.
// Usage: bun scripts/bench-remote.ts [runs]
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createDockerApi } from "../src/plugins/docker/docker-api.ts";
import { engineTls } from "../src/plugins/docker/remote.ts";
import { tar } from "../src/plugins/docker/tar.ts";
import { AGENT_IMAGE, agentImage } from "../test/helpers/docker-env.ts";
import { startRemoteEngine } from "../test/helpers/remote-engine.ts";

const root = join(import.meta.dirname, "..");
const runs = Number(process.argv[2] ?? 11);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await agentImage();
const engine = await startRemoteEngine();
try {
  process.stderr.write(`engine ${engine.env.DOCKER_HOST} up; loading ${AGENT_IMAGE}\n`);
  await engine.loadImage(AGENT_IMAGE);
  const api = createDockerApi(engine.env.DOCKER_HOST, { tls: engineTls(engine.env) });

  /** The floor: the same container (image, entrypoint, Init, no network) straight through the API;
   * `ship`: with the copies no shared filesystem can avoid (the three dirs in, then back out). */
  const raw = async (ship = false) => {
    const { Id } = await api.call<{ Id: string }>({
      method: "POST",
      path: "/containers/create",
      body: {
        Image: AGENT_IMAGE,
        Entrypoint: ["true"],
        Cmd: [],
        Labels: { "swarm-bench": "1" },
        HostConfig: { Init: true, NetworkMode: "none", SecurityOpt: ["no-new-privileges"] },
      },
      ok: [201],
    });
    const dirs = ["/home/agent", "/output", "/workspace"];
    try {
      if (ship) {
        const file = tar(dirs.map((d) => ({ name: `${d.slice(1)}/`, uid: 1000, gid: 1000 })));
        const query = { path: "/" };
        await api.call({
          method: "PUT",
          path: `/containers/${Id}/archive`,
          query,
          file,
          ok: [200],
        });
      }
      await api.call({ method: "POST", path: `/containers/${Id}/start`, ok: [204] });
      await api.call({ method: "POST", path: `/containers/${Id}/wait`, ok: [200], timeoutMs: 0 });
      await Promise.all((ship ? dirs : []).map(async (path) => {
        const s = await api.stream({
          method: "GET",
          path: `/containers/${Id}/archive`,
          query: { path },
          ok: [200],
        });
        for await (const _ of s);
      }));
    } finally {
      await api.call({
        method: "DELETE",
        path: `/containers/${Id}`,
        query: { force: 1 },
        ok: [204, 404],
      });
    }
  };

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const transport = new StdioClientTransport({
    command: join(root, "dist", "swarm-mcp"),
    args: [],
    stderr: "ignore",
    env: {
      ...env,
      ...engine.env,
      SWARM_DATA_DIR: await mkdtemp(join(tmpdir(), "bench-remote-")),
      SWARM_LOG_LEVEL: "warn",
      SWARM_IMAGE: AGENT_IMAGE,
    },
  });
  const client = new Client({ name: "bench-remote", version: "0" });
  await client.connect(transport);
  const run = async () => {
    const res = await client.callTool(
      {
        name: "run",
        arguments: {
          agent: "command",
          command: ["true"],
          network: false,
          prompt: "noop",
          wait_s: 600,
        },
      },
      undefined,
      { timeout: 600_000 },
    );
    const ref = res.structuredContent as { status?: string; error?: string } | undefined;
    if (res.isError || ref?.status !== "ok") {
      throw new Error(`no-op agent failed: ${JSON.stringify(res.content)}`);
    }
  };

  await raw(); // warm up both paths (first TLS connection, image cache)
  await run();
  const ours: number[] = [], floor: number[] = [], shipped: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await raw();
    floor.push(performance.now() - t);
    t = performance.now();
    await raw(true);
    shipped.push(performance.now() - t);
    t = performance.now();
    await run();
    ours.push(performance.now() - t);
  }
  await client.close();
  const line = (floorName: string, base: number[]) => {
    const r = median(ours) / median(base);
    return `remote engine (tcp + TLS), run of a no-op agent, median of ${runs}: swarm-mcp ${
      median(ours).toFixed(0)
    } ms vs ${floorName} ${median(base).toFixed(0)} ms = ${r.toFixed(3)}× (target ≤ 1.15×: ${
      r <= 1.15 ? "met" : "MISSED"
    })\n`;
  };
  process.stdout.write(
    line("raw API", floor) + line("raw API with the same archive copies", shipped),
  );
} finally {
  await engine.stop();
}
