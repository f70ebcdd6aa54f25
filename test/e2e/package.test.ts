// The npm distribution, installed as a user would get it: scripts/package.ts lays out the main
// package and the linux-x64 platform package from the compiled binary, `npm pack` packs them, and
// `npm install` installs the tarballs offline (the registry is a closed loopback port, so nothing
// leaves the machine) into a temp project. The installed `swarm-mcp` launcher then answers
// tools/list over stdio, passes SIGTERM on, and says what to do when the platform package is missing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { BINARY, binarySkip, TEST_HOST_ID } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";
import { until, within } from "../helpers/wait.ts";

const exec = promisify(execFile);
/** A /proc file's text, or "" once the process is gone (the waits name what did not happen). */
function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
const skip = binarySkip ||
  (`${process.platform}-${process.arch}` !== "linux-x64"
    ? "the packed binary is this machine's: linux-x64 only"
    : false);

describe("npm package: packed, installed offline, run", { skip }, () => {
  let dir: string;
  let project: string;
  let env: Record<string, string>;
  const npm = (args: string[], cwd: string) =>
    exec("npm", args, { cwd, env, timeout: 120_000, maxBuffer: 16 << 20 });
  /** An npm project in `name` with the given tarballs installed offline. */
  async function install(name: string, tarballs: string[], extra: string[] = []): Promise<string> {
    const p = join(dir, name);
    await mkdir(p);
    await writeFile(
      join(p, "package.json"),
      JSON.stringify({ name: `swarm-pack-test-${name}`, version: "0.0.0", private: true }),
    );
    await npm(["install", "--offline", "--no-audit", "--no-fund", ...extra, ...tarballs], p);
    return p;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-pack-"));
    // Offline from the tarballs: a private cache, and a registry nobody listens on.
    env = {
      ...process.env as Record<string, string>,
      npm_config_cache: join(dir, "cache"),
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_update_notifier: "false",
    };
    await mkdir(join(dir, "bin"));
    await symlink(BINARY, join(dir, "bin", "swarm-mcp-linux-x64"));
    await exec(join(ROOT, "node_modules", ".bin", "bun"), [
      join(ROOT, "scripts", "package.ts"),
      "--bin-dir",
      join(dir, "bin"),
      "--out",
      join(dir, "npm"),
      "--only",
      "linux-x64",
    ], { timeout: 60_000 });
    await mkdir(join(dir, "packs"));
    for (const pkg of ["linux-x64", "swarm-mcp"]) {
      await npm(["pack", "--pack-destination", join(dir, "packs")], join(dir, "npm", pkg));
    }
    project = await install(
      "full",
      (await readdir(join(dir, "packs"))).map((f) => join(dir, "packs", f)),
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the main package depends on every platform package, each limited to its os and cpu", () => {
    const main = JSON.parse(readFileSync(join(dir, "npm", "swarm-mcp", "package.json"), "utf8"));
    assert.deepEqual(main.bin, { "swarm-mcp": "bin/swarm-mcp.js" });
    assert.deepEqual(Object.keys(main.optionalDependencies).sort(), [
      "@swarm-mcp/darwin-arm64",
      "@swarm-mcp/darwin-x64",
      "@swarm-mcp/linux-arm64",
      "@swarm-mcp/linux-x64",
    ]);
    assert.ok(Object.values(main.optionalDependencies).every((v) => v === VERSION));
    const linux = JSON.parse(readFileSync(join(dir, "npm", "linux-x64", "package.json"), "utf8"));
    assert.deepEqual([linux.os, linux.cpu, linux.libc], [["linux"], ["x64"], ["glibc"]]);
  });

  it("the installed swarm-mcp answers tools/list over stdio", async () => {
    const command = join(project, "node_modules", ".bin", "swarm-mcp");
    assert.ok(existsSync(command), "npm did not link the swarm-mcp command");
    const transport = new StdioClientTransport({
      command,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        SWARM_DATA_DIR: join(dir, "data"),
        SWARM_HOST_ID: TEST_HOST_ID,
      },
      stderr: "ignore",
    });
    const client = new Client({ name: "pack-test", version: "0" });
    try {
      await within(client.connect(transport), 15_000, "initialize through the npm launcher");
      assert.equal(client.getServerVersion()?.name, "swarm-mcp");
      const { tools } = await within(
        client.listTools(),
        15_000,
        "tools/list through the npm launcher",
      );
      const names = tools.map((t) => t.name);
      for (const name of ["run", "par", "map", "reduce", "unwrap", "wait"]) {
        assert.ok(names.includes(name), `tools/list lacks ${name}: ${names.join(", ")}`);
      }
    } finally {
      await client.close();
    }
  });

  it("npx swarm-mcp --version runs the installed binary", async () => {
    const { stdout } = await npm(["exec", "--offline", "--", "swarm-mcp", "--version"], project);
    assert.equal(stdout.trim(), `swarm-mcp ${VERSION}`);
  });

  it("SIGTERM to the launcher reaches the binary, and both are gone", async () => {
    // stdin is a FIFO this test keeps open: the binary must stop because of the signal, not of an EOF.
    const fifo = join(dir, "stdin");
    await exec("mkfifo", [fifo]);
    const stdin = openSync(fifo, "r+");
    let child = 0;
    try {
      const launcher = spawn(join(project, "node_modules", ".bin", "swarm-mcp"), [], {
        stdio: [stdin, "ignore", "ignore"],
        env: { ...env, HOME: dir, SWARM_DATA_DIR: join(dir, "data2") },
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
        launcher.on("exit", (code, signal) => r({ code, signal }))
      );
      const children = () =>
        read(`/proc/${launcher.pid}/task/${launcher.pid}/children`).trim().split(/\s+/).filter(
          Boolean,
        );
      // Seen between fork and exec, the child still carries the launcher's own command line (CI
      // once read it there): wait until it has become the binary, not only until it exists.
      const binary = /@swarm-mcp\/linux-x64\/bin\/swarm-mcp/;
      await until(
        "the launcher to start the binary",
        () => {
          const kids = children();
          child = kids.length === 1 ? Number(kids[0]) : 0;
          return child > 0 && binary.test(read(`/proc/${child}/cmdline`));
        },
        10_000,
        20,
      );
      launcher.kill("SIGTERM");
      const end = await within(exited, 10_000, "the launcher to exit after SIGTERM");
      assert.ok(
        end.signal === "SIGTERM" || end.code === 0 || end.code === 143,
        `launcher ended with ${JSON.stringify(end)}`,
      );
      await until(
        "the binary to exit",
        () => read(`/proc/${child}/cmdline`) === "",
        10_000,
      );
    } finally {
      closeSync(stdin);
      // Only when the test failed: never leave the binary behind (checked to be ours, not a reused pid).
      const ours = child > 0 && read(`/proc/${child}/cmdline`).includes(dir);
      if (ours) process.kill(child, "SIGKILL");
    }
  });

  it("without the platform package it says which package is missing and how to get it", async () => {
    const main = join(dir, "packs", `swarm-mcp-${VERSION}.tgz`);
    const bare = await install("bare", [main], ["--omit=optional"]);
    const r = await exec(join(bare, "node_modules", ".bin", "swarm-mcp"), ["--version"]).then(
      () => null,
      (e) => e as { code: number; stderr: string },
    );
    assert.ok(r, "the launcher succeeded without its binary");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Cannot start swarm-mcp: its binary package @swarm-mcp\/linux-x64 is not installed; install again without --omit=optional/,
    );
  });
});
