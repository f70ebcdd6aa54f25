// Benchmark: the compiled binary from exec to the tools/list reply, and its idle RSS.
// Baseline, measured in the same run: the bare Bun runtime answering one JSON line on stdin
// (what any Bun-built stdio server pays before its own code runs).
// Targets (issue 2): ≤ 80 ms to tools/list, ≤ 70 MB idle RSS. Usage: bun scripts/bench-startup.ts [runs]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const binary = join(root, "dist", "swarm-mcp");
const runs = Number(process.argv[2] ?? 15);
const dataDir = mkdtempSync(join(tmpdir(), "bench-"));
const env = {
  ...process.env,
  SWARM_DATA_DIR: dataDir,
  SWARM_LOG_LEVEL: "warn",
  DOCKER_HOST: "unix:///nonexistent.sock",
};

const init = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "bench", version: "0" },
  },
});
const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
const initialized = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });

/** ms from spawn until a stdout line containing `until`; optionally RSS (MB) after `settleMs`. */
function once(
  cmd: string,
  args: string[],
  input: string,
  until: string,
  rss = false,
): Promise<{ ms: number; rssMb?: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", async (d) => {
      out += d;
      if (!out.includes(until)) return;
      const ms = performance.now() - t0;
      out = "\u0000"; // stop matching
      let rssMb: number | undefined;
      if (rss) {
        await new Promise((r) => setTimeout(r, 500));
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        rssMb = m ? Number(m[1]) / 1024 : undefined;
      }
      child.kill("SIGKILL");
      resolve({ ms, rssMb });
    });
    child.on("error", reject);
    child.stdin.write(input);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bun = join(root, "node_modules", ".bin", "bun");
const baseline: number[] = [];
const ours: number[] = [];
const rss: number[] = [];
for (let i = 0; i < runs + 2; i++) {
  const b = await once(
    bun,
    ["-e", "process.stdin.once('data', d => process.stdout.write(d))"],
    list + "\n",
    '"id":2',
  );
  const o = await once(binary, [], [init, initialized, list].join("\n") + "\n", '"id":2', true);
  if (i < 2) continue; // warm-up
  baseline.push(b.ms);
  ours.push(o.ms);
  if (o.rssMb) rss.push(o.rssMb);
}
const m = median(ours);
const base = median(baseline);
const r = median(rss);
process.stdout.write(
  [
    `startup (exec → tools/list reply), median of ${runs}:`,
    `  baseline bun runtime echo: ${base.toFixed(1)} ms`,
    `  swarm-mcp binary:          ${m.toFixed(1)} ms  (${
      (m / base).toFixed(2)
    }× baseline; target ≤ 80 ms: ${m <= 80 ? "met" : "MISSED"})`,
    `idle RSS after tools/list:   ${r.toFixed(1)} MB  (target ≤ 70 MB: ${
      r <= 70 ? "met" : "MISSED"
    })`,
  ].join("\n") + "\n",
);
