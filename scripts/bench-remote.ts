// Remote-engine benchmark (issue 16): `run` of a no-op command agent through the compiled binary
// with DOCKER_HOST=tcp://… + TLS, against create+start+wait+remove of the same container through
// the raw Engine API on the same engine, in the same run (target ≤ 1.15×). The engine is the test
// suite's second engine in a container (test/helpers/remote-engine.ts), removed afterwards.
// Two images: the agent image, whose agent dirs are open to any uid (mode 1777), so a no-op agent
// makes no archive call at all, and the same image without /output and with a HOME the agents' uid
// may not write, as a custom image may be (those two dirs are then copied in, empty: one PUT).
// Usage: bun scripts/bench-remote.ts [runs] [binary…] — several binaries (default dist/swarm-mcp)
// are measured in the same run, interleaved, to compare a change against the build before it.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createDockerApi } from "../src/plugins/docker/docker-api.ts";
import { engineTls } from "../src/plugins/docker/remote.ts";
import { tar } from "../src/plugins/docker/tar.ts";
import { AGENT_IMAGE, agentImage } from "../test/helpers/docker-env.ts";
import { startRemoteEngine } from "../test/helpers/remote-engine.ts";

const root = join(import.meta.dirname, "..");
const runs = Number(process.argv[2] ?? 11);
const binaries = process.argv.length > 3
  ? process.argv.slice(3)
  : [join(root, "dist", "swarm-mcp")];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const CLOSED = "swarm-bench-closed-dirs:1";

await agentImage();
const engine = await startRemoteEngine();
try {
  process.stderr.write(`engine ${engine.env.DOCKER_HOST} up; loading ${AGENT_IMAGE}\n`);
  await engine.loadImage(AGENT_IMAGE);
  const prep = ["--name", "bench-prep", "--user", "0", "--entrypoint", "sh", AGENT_IMAGE, "-c"];
  await engine.docker("run", ...prep, "rm -rf /output && chmod 755 /home/agent");
  await engine.docker("commit", "bench-prep", CLOSED);
  const api = createDockerApi(engine.env.DOCKER_HOST, { tls: engineTls(engine.env) });

  /** The floor: the same container (image, entrypoint, Init, no network) straight through the API;
   * `ship`: with the copies the old remote mode made (the three dirs in, then back out). */
  const raw = async (image: string, ship = false) => {
    const { Id } = await api.call<{ Id: string }>({
      method: "POST",
      path: "/containers/create",
      body: {
        Image: image,
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
        const q = { path };
        const s = await api.stream({
          method: "GET",
          path: `/containers/${Id}/archive`,
          query: q,
          ok: [200],
        });
        for await (const _ of s);
      }));
    } finally {
      const query = { force: 1 };
      await api.call({ method: "DELETE", path: `/containers/${Id}`, query, ok: [204, 404] });
    }
  };

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const client = async (command: string, image: string) => {
    const transport = new StdioClientTransport({
      command,
      args: [],
      stderr: "ignore",
      env: {
        ...env,
        ...engine.env,
        SWARM_DATA_DIR: await mkdtemp(join(tmpdir(), "bench-remote-")),
        SWARM_LOG_LEVEL: "warn",
        SWARM_IMAGE: image,
      },
    });
    const c = new Client({ name: "bench-remote", version: "0" });
    await c.connect(transport);
    return c;
  };
  const run = async (c: Client) => {
    const args = {
      agent: "command",
      command: ["true"],
      network: false,
      prompt: "noop",
      wait_s: 600,
    };
    const res = await c.callTool({ name: "run", arguments: args }, undefined, { timeout: 600_000 });
    const ref = res.structuredContent as { status?: string } | undefined;
    if (res.isError || ref?.status !== "ok") {
      throw new Error(`no-op agent failed: ${JSON.stringify(res.content)}`);
    }
  };

  const images = [AGENT_IMAGE, CLOSED];
  const rows: { name: string; image: string; c?: Client; ms: number[] }[] = [];
  for (const image of images) {
    rows.push({ name: "raw API", image, ms: [] });
    if (image === AGENT_IMAGE) rows.push({ name: "raw API + 1 PUT, 3 GETs", image, ms: [] });
    for (const b of binaries) {
      rows.push({ name: basename(b), image, c: await client(b, image), ms: [] });
    }
  }
  const once = (r: (typeof rows)[number]) => r.c ? run(r.c) : raw(r.image, r.name !== "raw API");
  for (const r of rows) await once(r); // warm up every path (TLS connections, image cache)
  for (let i = 0; i < runs; i++) {
    for (const r of rows) {
      const t = performance.now();
      await once(r);
      r.ms.push(performance.now() - t);
    }
  }
  await Promise.all(rows.map((r) => r.c?.close()));
  const load = (await readFile("/proc/loadavg", "utf8").catch(() => "?")).split(" ").slice(0, 3);
  process.stdout.write(`median of ${runs}, load average ${load.join(" ")} after the run\n`);
  for (const image of images) {
    const floor = median(rows.find((r) => r.image === image && r.name === "raw API")!.ms);
    for (const r of rows.filter((r) => r.image === image)) {
      const ratio = median(r.ms) / floor;
      const verdict = r.c ? ` (target ≤ 1.15×: ${ratio <= 1.15 ? "met" : "MISSED"})` : "";
      process.stdout.write(
        `${image.padEnd(28)} ${r.name.padEnd(24)} ${median(r.ms).toFixed(0).padStart(5)} ms ${
          ratio.toFixed(2)
        }×${verdict}\n`,
      );
    }
  }
} finally {
  await engine.stop();
}
