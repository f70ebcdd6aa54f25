// How many agents one server drives, on the local engine and on a Docker Swarm (issue 16.5). Needs
// the compiled binary, the agent image and an engine; initialises a single-node swarm when the
// engine is in none, and leaves it again at the end. Usage: bun scripts/bench-swarm.ts [agents]
//  1. `par` of N (100) no-op command agents at max_concurrency 50: the docker runtime vs N raw
//     containers 50 at a time through the Engine API; the swarm runtime vs N raw one-shot services
//     50 at a time (create, poll its task, remove).
//  2. Server RSS per running agent with 50 agents running (target ≤ 1 MB), on both runtimes.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createDockerApi } from "../src/plugins/docker/docker-api.ts";

const root = join(import.meta.dirname, "..");
const N = Number(process.argv[2] ?? 100);
const WIDTH = 50;
const image = process.env.SWARM_IMAGE ??
  `swarm-mcp-agent:${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}`;
const api = createDockerApi(process.env.DOCKER_HOST);
const docker = (...a: string[]) => execFileSync("docker", a, { encoding: "utf8" }).trim();
const labels = { "swarm-bench": "1" };

async function pool(n: number, width: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    for (let i = next++; i < n; i = next++) await job(i);
  }));
}

async function rawContainer(): Promise<void> {
  const { Id } = await api.call<{ Id: string }>({
    method: "POST",
    path: "/containers/create",
    body: { Image: image, Entrypoint: ["true"], Labels: labels, HostConfig: { Init: true } },
    ok: [201],
  });
  try {
    await api.call({ method: "POST", path: `/containers/${Id}/start`, ok: [204] });
    await api.call({ method: "POST", path: `/containers/${Id}/wait`, ok: [200], timeoutMs: 0 });
  } finally {
    await api.call({ method: "DELETE", path: `/containers/${Id}`, query: { force: 1 }, ok: [204] });
  }
}

async function rawService(i: number): Promise<void> {
  const { ID } = await api.call<{ ID: string }>({
    method: "POST",
    path: "/services/create",
    body: {
      Name: `swarm-bench-${process.pid}-${i}`,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: { Image: image, Command: ["true"], Labels: labels, Init: true },
        RestartPolicy: { Condition: "none" },
      },
      Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    },
    ok: [201],
  });
  try {
    const filters = JSON.stringify({ service: [ID] });
    for (let pause = 100;; pause = Math.min(pause * 1.5, 1000)) {
      const tasks = await api.call<{ Status: { State: string } }[]>({
        method: "GET",
        path: "/tasks",
        query: { filters },
        ok: [200],
      });
      if (tasks.some((t) => ["complete", "failed", "rejected"].includes(t.Status.State))) break;
      await new Promise((r) => setTimeout(r, pause));
    }
  } finally {
    await api.call({ method: "DELETE", path: `/services/${ID}`, ok: [200, 404] });
  }
}

async function server(runtime: "docker" | "swarm") {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const transport = new StdioClientTransport({
    command: join(root, "dist", "swarm-mcp"),
    stderr: "ignore",
    env: {
      ...env,
      SWARM_RUNTIME: runtime,
      SWARM_DATA_DIR: await mkdtemp(join(tmpdir(), "bench-swarm-")),
      SWARM_LOG_LEVEL: "warn",
      SWARM_MAX_CONCURRENT: String(WIDTH),
      SWARM_DOCKER_TIMEOUT: "300", // 50 agents at once on 2 cores: engine calls queue for long
      SWARM_IMAGE: image,
    },
  });
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown>): Promise<any> => {
    const res = await client.callTool({ name, arguments: { wait_s: 900, ...args } }, undefined, {
      timeout: 900_000,
    });
    if (res.isError) throw new Error(JSON.stringify(res.content));
    return res.structuredContent;
  };
  const rss = () =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${transport.pid}/status`, "utf8"))![1]) /
    1024;
  return { call, rss, close: () => client.close() };
}

const agent = (command: string[]) => ({ agent: "command", command, timeout: 300 });
const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** par of N no-op agents at WIDTH, then RSS while WIDTH agents sleep. */
async function measure(runtime: "docker" | "swarm", running: () => number) {
  const s = await server(runtime);
  try {
    await s.call("run", { ...agent(["true"]), prompt: "warm-up" });
    let t0 = performance.now();
    const par = await s.call("par", {
      tasks: Array.from({ length: N }, () => ({ ...agent(["true"]), prompt: "-" })),
      max_concurrency: WIDTH,
    });
    const parS = seconds(t0);
    if (par.succeeded !== N) throw new Error(`${runtime}: ${N - par.succeeded} agents failed`);
    const idle = s.rss();
    t0 = performance.now();
    const sleeping = s.call("par", {
      tasks: Array.from({ length: WIDTH }, () => ({ ...agent(["sleep", "30"]), prompt: "-" })),
      max_concurrency: WIDTH,
    });
    let peak = idle, seen = 0;
    while (seconds(t0) < 25) {
      seen = Math.max(seen, running());
      peak = Math.max(peak, s.rss());
      if (seen >= WIDTH) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (let i = 0; i < 8; i++, await new Promise((r) => setTimeout(r, 250))) {
      peak = Math.max(peak, s.rss()); // a few more samples with all of them running
    }
    await sleeping;
    return { parS, idle, peak, seen };
  } finally {
    await s.close();
  }
}

const count = (args: string[]) => docker(...args).split("\n").filter(Boolean).length;
const initialised = docker("info", "--format", "{{.Swarm.LocalNodeState}}") !== "active";
if (initialised) docker("swarm", "init", "--advertise-addr", "127.0.0.1");
try {
  await rawContainer();
  let t0 = performance.now();
  await pool(N, WIDTH, () => rawContainer());
  const rawC = seconds(t0);
  console.log(`raw containers: ${N}@${WIDTH} in ${rawC.toFixed(1)} s`);
  await rawService(-1);
  t0 = performance.now();
  await pool(N, WIDTH, (i) => rawService(i));
  const rawS = seconds(t0);
  console.log(`raw services: ${N}@${WIDTH} in ${rawS.toFixed(1)} s`);
  const running = (label: string) => () =>
    count(["ps", "-q", "--filter", `label=${label}`, "--filter", "status=running"]);
  const d = await measure("docker", running("swarm-mcp.owner"));
  const w = await measure("swarm", running("swarm-mcp.owner"));
  const line = (name: string, r: typeof d, floor: number) =>
    console.log(
      `${name}: par ${N}@${WIDTH} ${r.parS.toFixed(1)} s vs raw ${floor.toFixed(1)} s = ${
        (r.parS / floor).toFixed(2)
      }x; RSS ${r.idle.toFixed(1)} MB idle, ${r.peak.toFixed(1)} MB with ${r.seen} running = ${
        ((r.peak - r.idle) / Math.max(1, r.seen)).toFixed(2)
      } MB per running agent`,
    );
  line("docker", d, rawC);
  line("swarm ", w, rawS);
  console.log(`swarm vs docker: ${(w.parS / d.parS).toFixed(2)}x`);
} finally {
  // The raw services' task containers: this engine (20.10) keeps those of removed services.
  const left = docker("ps", "-aq", "--filter", "label=swarm-bench=1").split("\n").filter(Boolean);
  if (left.length) docker("rm", "-f", ...left);
  if (initialised) docker("swarm", "leave", "--force");
}
