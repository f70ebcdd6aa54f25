// Benchmarks against the raw Docker Engine API, measured in the same run (needs an engine and the
// agent image). Usage: bun scripts/bench-agents.ts [runs]
//  1. `run` of a no-op command agent, MCP call → ref, vs create+start+wait+remove of the same
//     container through the Engine API (target ≤ 1.10×).
//  2. server RSS growth while one agent streams 50 MB of output (target ≤ 5 MB).
//  3. `par` of 20 no-op agents at max_concurrency 10 vs the raw API doing 20 containers 10 at a
//     time (target ≤ 1.15×).
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Modem from "docker-modem";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = join(import.meta.dirname, "..");
const runs = Number(process.argv[2] ?? 11);
const only = process.argv[3]; // "rss" to measure only the streaming memory
const image = process.env.SWARM_IMAGE ??
  `swarm-mcp-agent:${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}`;
const modem = new Modem({ socketPath: "/var/run/docker.sock" });
const dial = <T>(o: object) =>
  new Promise<T>((res, rej) => (modem as any).dial(o, (e: unknown, d: T) => (e ? rej(e) : res(d))));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The floor: the same container (image, entrypoint, Init, no network) straight through the API. */
async function raw(): Promise<void> {
  const { Id } = await dial<{ Id: string }>({
    path: "/v1.41/containers/create?",
    method: "POST",
    statusCodes: { 201: true },
    options: {
      Image: image,
      Entrypoint: ["true"],
      Cmd: [],
      Labels: { "swarm-bench": "1" },
      HostConfig: { Init: true, NetworkMode: "none", SecurityOpt: ["no-new-privileges"] },
    },
  });
  try {
    await dial({
      path: `/v1.41/containers/${Id}/start?`,
      method: "POST",
      options: {},
      statusCodes: { 204: true },
    });
    await dial({
      path: `/v1.41/containers/${Id}/wait?`,
      method: "POST",
      options: {},
      statusCodes: { 200: true },
    });
  } finally {
    await dial({
      path: `/v1.41/containers/${Id}?`,
      method: "DELETE",
      options: { force: true },
      statusCodes: { 204: true, 404: true },
    });
  }
}

async function pool(n: number, width: number, job: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next++ < n) await job();
  }));
}

const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
const transport = new StdioClientTransport({
  command: join(root, "dist", "swarm-mcp"),
  args: [],
  stderr: "ignore",
  env: {
    ...env,
    SWARM_DATA_DIR: await mkdtemp(join(tmpdir(), "bench-")),
    SWARM_LOG_LEVEL: "warn",
    SWARM_IMAGE: image,
  },
});
const client = new Client({ name: "bench", version: "0" });
await client.connect(transport);
const noop = { agent: "command", command: ["true"], network: false };
async function call(name: string, args: Record<string, unknown>): Promise<any> {
  const res = await client.callTool({ name, arguments: { wait_s: 600, ...args } }, undefined, {
    timeout: 600_000,
  });
  if (res.isError) throw new Error(JSON.stringify(res.content));
  return res.structuredContent;
}

// Warm up both paths (image cache, first connection).
await raw();
await call("run", { ...noop, prompt: "warm-up" });

const ours: number[] = [];
const floor: number[] = [];
for (let i = 0; i < (only === "rss" ? 0 : runs); i++) {
  let t = performance.now();
  await raw();
  floor.push(performance.now() - t);
  t = performance.now();
  const ref = await call("run", { ...noop, prompt: "noop" });
  ours.push(performance.now() - t);
  if (ref.status !== "ok") throw new Error(`no-op agent failed: ${ref.error}`);
}
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${transport.pid}/status`, "utf8"))![1]) / 1024;

// 2. RSS while streaming 50 MB.
const before = rss();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
const big = await call("run", {
  agent: "command",
  command: ["sh", "-c", "head -c 52428800 /dev/zero | tr '\\0' 'x'"],
  network: false,
  prompt: "stream",
});
clearInterval(sampler);
if (big.size !== 52428800) throw new Error(`expected 50 MB of output, got ${big.size}`);

// 3. par of 20 at 10 vs raw 20 at 10.
const parOurs: number[] = [];
const parFloor: number[] = [];
for (let i = 0; i < (only === "rss" ? 0 : Math.max(3, Math.floor(runs / 3))); i++) {
  let t = performance.now();
  await pool(20, 10, raw);
  parFloor.push(performance.now() - t);
  t = performance.now();
  const res = await call("par", {
    tasks: Array.from({ length: 20 }, (_, k) => ({ prompt: `noop ${k}`, ...noop })),
    max_concurrency: 10,
  });
  parOurs.push(performance.now() - t);
  if (res.failed) throw new Error(`par had ${res.failed} failures`);
}
await client.close();

const line = (label: string, a: number[], b: number[], target: number) => {
  const r = median(a) / median(b);
  return `${label}: swarm-mcp ${median(a).toFixed(0)} ms vs raw API ${median(b).toFixed(0)} ms = ${
    r.toFixed(3)
  }× (target ≤ ${target}×: ${r <= target ? "met" : "MISSED"})`;
};
process.stdout.write(
  [
    ...(only === "rss" ? [] : [
      line(`run, no-op agent, median of ${runs}`, ours, floor, 1.1),
      line(`par 20 @10, median of ${parOurs.length}`, parOurs, parFloor, 1.15),
    ]),
    `RSS streaming 50 MB: ${before.toFixed(1)} MB → peak ${peak.toFixed(1)} MB, growth ${
      (peak - before).toFixed(1)
    } MB (target ≤ 5 MB: ${peak - before <= 5 ? "met" : "MISSED"})`,
  ].join("\n") + "\n",
);
