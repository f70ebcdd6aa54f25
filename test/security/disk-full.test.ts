// Fault: the data dir's disk is full. The compiled binary on a 2 MB tmpfs this test mounts: every
// call that must write answers with a sentence naming the data dir and its free space, the process
// keeps serving (reads still work), and once space is freed the same call succeeds. So on a data
// dir remounted read-only.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, readdir, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { agentImage, dockerSkip, ownedContainers } from "../helpers/docker-env.ts";
import { within } from "../helpers/wait.ts";

function mountSkip(): string | false {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    return "mounting a tmpfs needs root on Linux";
  }
  try {
    execFileSync("mount", ["--version"], { stdio: "ignore" });
    return false;
  } catch {
    return "no mount command";
  }
}

const skip = binarySkip || mountSkip() || (await dockerSkip());
const echo = { agent: "command", network: false, timeout: 60 };
const FULL =
  /^Cannot write .* in the data directory (\S+): the disk is full \((\d+) KB free\); free space or set SWARM_DATA_DIR$/;

/** Write zeros until the file system refuses: ENOSPC is the only way out. */
async function fill(file: string): Promise<void> {
  const fh = await open(file, "w");
  const chunk = new Uint8Array(64 << 10);
  try {
    for (let i = 0; i < 1000; i++) await fh.write(chunk);
    assert.fail("the tmpfs never filled up");
  } catch (e) {
    assert.equal((e as { code?: string }).code, "ENOSPC");
  } finally {
    await fh.close();
  }
}

describe("a full disk under the data dir", { skip }, () => {
  let mnt: string;
  let data: string;
  let server: BinaryServer;
  let alive: () => boolean;

  before(async () => {
    await agentImage();
    mnt = await mkdtemp(join(tmpdir(), "swarm-tmpfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mnt]);
    data = join(mnt, "data");
    await mkdir(data, { mode: 0o700 });
    server = await startBinary({ SWARM_DATA_DIR: data });
    alive = () => {
      try {
        process.kill(server.transport.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
  });
  after(async () => {
    await server?.close().catch(() => {});
    if (mnt) {
      execFileSync("umount", ["-l", mnt]);
      await rmdir(mnt).catch(() => rm(mnt, { recursive: true, force: true }));
    }
  });

  const expectFull = async (tool: string, args: Record<string, unknown>) => {
    const r = await within(
      server.call(tool, args, { allowError: true }),
      30000,
      `${tool} on a full disk`,
    );
    assert.equal(r.isError, true, `${tool} succeeded on a full disk`);
    const m = FULL.exec(r.text);
    assert.ok(m, `${tool}: ${r.text}`);
    assert.equal(m[1], data);
    assert.ok(Number(m[2]) < 64, `free space ${m[2]} KB`);
    assert.equal(r.error.code, "CONFLICT");
    assert.equal(r.error.errno, "ENOSPC");
    assert.ok(alive(), `the server died after ${tool}`);
  };

  it("every writing call answers with the data dir and its free space; reads keep working; freed space works again", async () => {
    const before = await server.call("run", { ...echo, command: ["echo", "before"], prompt: "x" });
    assert.equal(before.status, "ok", before.error);
    await fill(join(mnt, "filler"));

    await expectFull("run", { ...echo, command: ["echo", "full"], prompt: "x" });
    await expectFull("par", {
      tasks: [{ ...echo, command: ["echo", "a"], prompt: "a" }, {
        ...echo,
        command: ["echo", "b"],
        prompt: "b",
      }],
    });
    await expectFull("run", { ...echo, command: ["echo", "again"], prompt: "x", wait_s: 0 });

    // Reads need no space.
    assert.equal((await server.call("status", { run_id: before.run_id })).status, "done");
    assert.ok(
      (await server.call("runs", {})).runs.some((r: { run_id: string }) =>
        r.run_id === before.run_id
      ),
    );
    assert.ok(alive());

    await rm(join(mnt, "filler"));
    const afterwards = await server.call("run", {
      ...echo,
      command: ["echo", "after"],
      prompt: "x",
    });
    assert.equal(afterwards.status, "ok", afterwards.error);
  });

  it("an agent that fills the disk itself: its run ends with the sentence, the server keeps serving", async () => {
    // The container writes its stdout into the run's files on the tmpfs: 3 MB cannot fit.
    const r = await within(
      server.call("run", {
        ...echo,
        command: ["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo"],
        prompt: "x",
      }, { allowError: true }),
      60000,
      "the filling agent",
    );
    assert.equal(r.isError, true, `3 MB fitted in 2 MB: ${JSON.stringify(r).slice(0, 300)}`);
    assert.match(
      r.text,
      /^Cannot write the result of agent "[0-9a-f]{12}\/agent-0" in the data directory/,
    );
    assert.match(r.text, FULL);
    assert.ok(alive(), "the server died");
    assert.deepEqual(await ownedContainers({ "swarm-mcp.run": r.error.run_id }), []);
    // Free what the agent wrote, then the server works again.
    for (const n of await readdir(data)) {
      if (/^[0-9a-f]{12}$/.test(n)) {
        await rm(join(data, n, "agent-0", "stream.jsonl"), { force: true });
      }
    }
    const ok = await server.call("run", { ...echo, command: ["echo", "after"], prompt: "x" });
    assert.equal(ok.status, "ok", ok.error);
  });

  it("a data dir remounted read-only: a writing call says so with the dir, the server keeps serving", async () => {
    execFileSync("mount", ["-o", "remount,ro", mnt]);
    try {
      const r = await within(
        server.call("run", { ...echo, command: ["echo", "ro"], prompt: "x" }, { allowError: true }),
        30000,
        "run on a read-only data dir",
      );
      assert.equal(r.isError, true, `wrote to a read-only file system: ${r.text}`);
      assert.match(
        r.text,
        /^Cannot write .* in the data directory (\S+): the file system is read-only \(\d+ KB free\); free space or set SWARM_DATA_DIR$/,
      );
      assert.equal(r.error.errno, "EROFS");
      assert.ok(alive(), "the server died");
      assert.ok(Array.isArray((await server.call("runs", {})).runs), "reads still work");
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mnt]);
    }
    const ok = await server.call("run", { ...echo, command: ["echo", "rw"], prompt: "x" });
    assert.equal(ok.status, "ok", ok.error);
  });
});
