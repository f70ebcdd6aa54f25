// The release as far as it can be proven on this machine: scripts/package.ts --build cross-compiles
// the four binaries (each an executable of its own OS and CPU, the linux-x64 one runs) and lays them
// out as npm packages that name the repository (npm publish --provenance refuses one that does not);
// .github/workflows/release.yml builds, smoke-runs and publishes those four targets with checksums.
// The cross targets' Bun runtimes come from Bun's cache, so nothing is fetched: the build runs only
// where a `bun scripts/package.ts --build` once fetched them through the npm registry.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../helpers/docker-env.ts";

const exec = promisify(execFile);
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const PACKAGE = join(ROOT, "scripts", "package.ts");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
const REPO = "https://github.com/example-owner/swarm-mcp";

/** Each target and the header its binary must start with: ELF e_machine, or Mach-O 64 cputype. */
const TARGETS: [key: string, format: "elf" | "macho", machine: number][] = [
  ["linux-x64", "elf", 0x3e],
  ["linux-arm64", "elf", 0xb7],
  ["darwin-x64", "macho", 0x01000007],
  ["darwin-arm64", "macho", 0x0100000c],
];

async function header(path: string): Promise<{ format: string; machine: number }> {
  const f = await open(path, "r");
  try {
    const b = Buffer.alloc(20);
    await f.read(b, 0, 20, 0);
    if (b.readUInt32BE(0) === 0x7f454c46) return { format: "elf", machine: b.readUInt16LE(18) };
    if (b.readUInt32LE(0) === 0xfeedfacf) return { format: "macho", machine: b.readUInt32LE(4) };
    return { format: b.subarray(0, 4).toString("hex"), machine: -1 };
  } finally {
    await f.close();
  }
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

async function bunCache(): Promise<string> {
  return (await exec(BUN, ["pm", "cache"], { timeout: 30_000 })).stdout.trim();
}
const bunVersion = JSON.parse(
  readFileSync(join(ROOT, "node_modules", "bun", "package.json"), "utf8"),
).version;
const CROSS = ["bun-linux-aarch64", "bun-darwin-x64", "bun-darwin-aarch64"];
const cache = await bunCache().catch(() => "");
const missing = CROSS.filter((r) => !existsSync(join(cache, `${r}-v${bunVersion}`)));
const crossSkip = `${process.platform}-${process.arch}` !== "linux-x64"
  ? "the native target checked here is linux-x64"
  : missing.length
  ? `${
    missing.join(", ")
  } v${bunVersion} not in Bun's cache (${cache}); bun scripts/package.ts --build fetches them once`
  : false;

describe("release: cross-compiled binaries and their npm packages", { skip: crossSkip }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-release-"));
    await exec(BUN, [
      PACKAGE,
      "--build",
      "--bin-dir",
      join(dir, "bin"),
      "--out",
      join(dir, "npm"),
      "--repository",
      REPO,
    ], { timeout: 300_000, maxBuffer: 16 << 20 });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const [key, format, machine] of TARGETS) {
    it(`builds ${key} as an executable of that OS and CPU, packaged as @swarm-mcp/${key}`, async () => {
      const bin = join(dir, "bin", `swarm-mcp-${key}`);
      assert.deepEqual(await header(bin), { format, machine }, `the header of ${bin}`);
      assert.ok(statSync(bin).size > 50 << 20, "a compiled binary carries the Bun runtime");
      const packaged = join(dir, "npm", key, "bin", "swarm-mcp");
      assert.equal(sha256(packaged), sha256(bin), "the npm package holds another binary");
      assert.ok(statSync(packaged).mode & 0o100, "the packaged binary is executable");
      const pkg = JSON.parse(readFileSync(join(dir, "npm", key, "package.json"), "utf8"));
      const [os, cpu] = key.split("-");
      assert.deepEqual([pkg.name, pkg.os, pkg.cpu], [`@swarm-mcp/${key}`, [os], [cpu]]);
    });
  }

  it("the cross-built linux-x64 binary runs here and reports the version", async () => {
    const { stdout } = await exec(join(dir, "bin", "swarm-mcp-linux-x64"), ["--version"], {
      timeout: 30_000,
    });
    assert.equal(stdout.trim(), `swarm-mcp ${VERSION}`);
  });

  it("every package names the repository (npm publish --provenance checks repository.url)", () => {
    for (const p of [...TARGETS.map(([key]) => key), "swarm-mcp"]) {
      const pkg = JSON.parse(readFileSync(join(dir, "npm", p, "package.json"), "utf8"));
      assert.deepEqual(pkg.repository, { type: "git", url: `git+${REPO}.git` }, p);
    }
  });
});

describe("release workflow and package.ts arguments", () => {
  const workflow = readFileSync(join(ROOT, ".github", "workflows", "release.yml"), "utf8");

  it("smoke-runs exactly the four targets and publishes them with SHA256SUMS", () => {
    const smoked = [...workflow.matchAll(/\{ target: ([\w-]+), os: [\w.-]+ \}/g)].map((m) => m[1]);
    assert.deepEqual(smoked.sort(), TARGETS.map(([key]) => key).sort());
    assert.match(workflow, /shasum -a 256 swarm-mcp-\* > SHA256SUMS/);
    assert.match(workflow, /gh release create .* dist\/bin\/swarm-mcp-\* dist\/bin\/SHA256SUMS/);
  });

  it("builds the packages with this repository's URL, which npm provenance requires", () => {
    assert.match(
      workflow,
      /scripts\/package\.ts --build .*--repository "\$\{\{ github\.server_url \}\}\/\$\{\{ github\.repository \}\}"/,
    );
    assert.match(workflow, /npm publish "dist\/npm\/\$p" --access public --provenance/);
  });

  it("package.ts refuses a repository that is not an https URL of OWNER/NAME", async () => {
    for (
      const bad of ["git@github.com:o/r.git", "https://github.com/o", "https://x/o/r; rm -rf /"]
    ) {
      const r = await exec(BUN, [PACKAGE, "--repository", bad, "--out", "/nonexistent/out"], {
        timeout: 30_000,
      }).then(() => null, (e) => e as { code: number; stderr: string });
      assert.ok(r, `accepted ${bad}`);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Cannot use repository ".*": give its URL, like https:\/\/github\.com/,
      );
    }
  });
});
