// `npm test`: regenerate, build the binary, check the house rules (format, lint, both type checks,
// file sizes, the core's line budget), run every test file under `bun test`, then the
// runtime-portable ones under `deno test`, and end with one line: "N passed, N failed".
// First the set-up .ci/run and `npm run demo` share: an engine (installed and started where we may)
// and the images, built without any image registry. Without an engine the Docker tests say why they skip.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ruleCommands, sizeProblems } from "./house-rules.ts";
import { ensureDocker, ensureImagesOffline } from "./ensure-docker.ts";

const root = join(import.meta.dirname, "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const only = process.argv.slice(2); // optional: paths to pass to bun test

function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    process.stderr.write(`\n$ ${[cmd, ...args].join(" ")}\n`);
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const tee = (d: Buffer) => {
      out += d;
      process.stderr.write(d);
    };
    child.stdout.on("data", tee);
    child.stderr.on("data", tee);
    child.on("exit", (code) => resolve({ code: code ?? 1, out }));
  });
}

const count = (out: string, re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
let passed = 0;
let failed = 0;
let broken = false;

for (
  const [cmd, args] of [[bin("bun"), ["scripts/gen-registry.ts"]], [bin("bun"), [
    "scripts/gen-assets.ts",
  ]], [bin("bun"), ["scripts/build.ts"]]] as const
) {
  const r = await run(cmd, [...args]);
  if (r.code !== 0) {
    process.stdout.write(`0 passed, 1 failed\n`);
    process.exit(1);
  }
}

// Each rule that does not hold counts one failure; all run, so one report shows every problem.
if (!only.length) {
  for (const [cmd, ...args] of ruleCommands) {
    if ((await run(bin(cmd!), args, { NO_COLOR: "1" })).code === 0) passed++;
    else failed++;
  }
  const { coreLines, problems, warnings } = await sizeProblems(root);
  process.stderr.write(`\nthe core (src/core, generated files excluded): ${coreLines} lines\n`);
  for (const w of warnings) process.stderr.write(`house rule not yet met (not counted): ${w}\n`);
  for (const p of problems) process.stderr.write(`house rule broken: ${p}\n`);
  passed += 2 - problems.length;
  failed += problems.length;
}

// A suite that could not set Docker up counts one failure (the Docker tests then skip), unless the
// user said SWARM_TEST_NO_DOCKER=1 on purpose.
if (
  !process.env.SWARM_TEST_NO_DOCKER && !((await ensureDocker("npm test")) && ensureImagesOffline())
) {
  process.stderr.write(
    "\nthe Docker set-up failed (above): the Docker tests will skip; SWARM_TEST_NO_DOCKER=1 runs without Docker on purpose\n",
  );
  failed++;
}

const targets = only.length ? only : ["test", "plugins"];
const bunRun = await run(bin("bun"), ["test", "--timeout", "900000", ...targets]);
passed += count(bunRun.out, /^\s*(\d+) pass$/m);
failed += count(bunRun.out, /^\s*(\d+) fail$/m);
if (bunRun.code !== 0 && count(bunRun.out, /^\s*(\d+) fail$/m) === 0) broken = true;

if (!only.length) {
  // The same test files under Deno: the core units and the MCP surface (no Docker needed).
  const denoRun = await run(bin("deno"), [
    "test",
    "-A",
    "test/core",
    "test/e2e/mcp.test.ts",
  ], { NO_COLOR: "1" });
  // Deno counts a describe() as one test with steps; the steps are the real cases.
  const m =
    /(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/
      .exec(denoRun.out);
  passed += Number(m?.[2] ?? m?.[1] ?? 0);
  failed += Number(m?.[4] ?? m?.[3] ?? 0);
  if (!m || (denoRun.code !== 0 && Number(m[3]) === 0)) broken = true;
}

if (broken) failed += failed === 0 ? 1 : 0;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
