// scripts/ensure-bun.mjs, npm's postinstall: when bun's own postinstall was skipped (npm
// --ignore-scripts, an allowScripts gate) the platform binary is missing, and it must run bun's
// install.js the way npm would (in node_modules/bun); with the binary there it runs nothing.
// Played on a stand-in node_modules/bun whose install.js records where it ran.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/docker-env.ts";

const SCRIPT = join(ROOT, "scripts", "ensure-bun.mjs");

function node(cwd: string): Promise<{ code: number; err: string }> {
  return new Promise((resolve) => {
    execFile(
      "node",
      [SCRIPT],
      { cwd, timeout: 30_000 },
      (e, _out, err) => resolve({ code: e ? Number(e.code ?? -1) : 0, err: String(err) }),
    );
  });
}

describe("ensure-bun.mjs", () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function project(exeBytes: number): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "swarm-ensure-bun-"));
    dirs.push(dir);
    const bun = join(dir, "node_modules", "bun");
    await mkdir(join(bun, "bin"), { recursive: true });
    await writeFile(join(bun, "bin", "bun.exe"), Buffer.alloc(exeBytes));
    await writeFile(
      join(bun, "install.js"),
      'require("fs").writeFileSync("ran-in.txt", process.cwd());\n',
    );
    return dir;
  }

  it("runs bun's install.js in node_modules/bun when the binary is missing", async () => {
    const dir = await project(10);
    const r = await node(dir);
    assert.equal(r.code, 0, r.err);
    const bun = join(dir, "node_modules", "bun");
    assert.equal(await readFile(join(bun, "ran-in.txt"), "utf8"), bun);
  });

  it("runs nothing when the binary is there", async () => {
    const dir = await project(1_100_000);
    const r = await node(dir);
    assert.equal(r.code, 0, r.err);
    await assert.rejects(readFile(join(dir, "node_modules", "bun", "ran-in.txt")));
  });
});
