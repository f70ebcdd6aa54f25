// The command driver: argv handling, input files, and outcomes from exit codes (no Docker).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import plugin, { commandDriver } from "../../../src/plugins/command/index.ts";
import { stderrTail, workspacePath } from "../../../src/core/core-fs.ts";
import { code, createDirs, exit, type Fixture, fixture } from "./fake-core.ts";

let fx: Fixture;
before(async () => {
  fx = await fixture({ ANTHROPIC_API_KEY: "sk-secret-never-forward" });
});
after(() => fx.cleanup());

describe("command driver: prepare", () => {
  test("the plugin offers one driver named command", async () => {
    const p = await plugin(fx.core);
    assert.equal(p.name, "command");
    assert.deepEqual(p.agents?.map((a) => a.name), ["command"]);
  });

  test("runs spec.command with the prompt on stdin and no credentials", async () => {
    const job = fx.job({ agent: "command", command: ["sh", "-c", "wc -w"] });
    await createDirs(job);
    const plan = await commandDriver(fx.core).prepare(job);
    assert.deepEqual(plan.entrypoint, ["sh"]);
    assert.deepEqual(plan.cmd, ["-c", "wc -w"]);
    assert.equal(plan.stdin, job.prompt);
    assert.deepEqual(plan.env, {});
  });

  test("check: a missing or empty command is INVALID_INPUT naming the field", async () => {
    const driver = commandDriver(fx.core);
    for (const command of [undefined, [], [""], ["a\0b"]]) {
      const job = fx.job({ agent: "command", command: command as string[] | undefined });
      await assert.rejects(
        Promise.resolve().then(() => driver.check!(job)),
        (e: Error & { code?: string }) => e.code === "INVALID_INPUT" && /"command"/.test(e.message),
        JSON.stringify(command),
      );
    }
  });

  test("input_files land in the workspace; escapes are refused before anything is written", async () => {
    const driver = commandDriver(fx.core);
    const ok = fx.job({
      agent: "command",
      command: ["cat"],
      input_files: { "data/in.txt": "x", "/workspace/top.txt": "y" },
    });
    await createDirs(ok);
    await driver.prepare(ok);
    assert.equal(await readFile(join(ok.paths.workspace, "data/in.txt"), "utf8"), "x");
    assert.equal(await readFile(join(ok.paths.workspace, "top.txt"), "utf8"), "y");
    assert.equal((await stat(join(ok.paths.workspace, "top.txt"))).mode & 0o777, 0o600);

    const bad = fx.job({
      agent: "command",
      command: ["cat"],
      input_files: { "fine.txt": "a", "../escape.txt": "b" },
    });
    await createDirs(bad);
    assert.equal(await code(driver.prepare(bad)), "INVALID_INPUT");
    assert.deepEqual(await readdir(bad.paths.workspace), []);
  });
});

describe("workspace paths", () => {
  const refused = (key: string, workdir = "/workspace") => {
    try {
      workspacePath(key, workdir);
      return false;
    } catch (e) {
      return (e as { code?: string }).code === "INVALID_INPUT";
    }
  };

  test("relative keys and absolute keys (relative to the workdir) are accepted", () => {
    assert.equal(workspacePath("a/b.txt", "/workspace"), "a/b.txt");
    assert.equal(workspacePath("./a.txt", "/workspace"), "a.txt");
    assert.equal(workspacePath("/workspace/src/x.py", "/workspace"), "src/x.py");
    assert.equal(workspacePath("/srv/app/x", "/srv/app/"), "x");
    // Any other absolute key is relative to the workdir, as the reference's callers wrote them.
    assert.equal(workspacePath("/etc/passwd", "/workspace"), "etc/passwd");
    assert.equal(workspacePath("/workspacex/y", "/workspace"), "workspacex/y");
  });

  test("escapes, the workdir itself, directories and NUL bytes are refused", () => {
    for (
      const key of [
        "../x",
        "a/../../x",
        "a/../b",
        "/workspace/../etc/passwd",
        "/workspace",
        "",
        ".",
        "dir/",
        "a\0b",
      ]
    ) {
      assert.ok(refused(key), `should refuse ${JSON.stringify(key)}`);
    }
  });

  test("a symlink in the workspace is never followed", async () => {
    const job = fx.job({ agent: "command", command: ["cat"] });
    await createDirs(job);
    const outside = join(fx.root, "outside");
    await mkdir(outside, { recursive: true });
    await symlink(outside, join(job.paths.workspace, "link"));
    await writeFile(join(outside, "target.txt"), "keep");
    await symlink(join(outside, "target.txt"), join(job.paths.workspace, "file-link"));
    const driver = commandDriver(fx.core);
    for (const key of ["link/evil.txt", "file-link"]) {
      const j = { ...job, spec: { ...job.spec, input_files: { [key]: "pwned" } } };
      assert.equal(await code(driver.prepare(j)), "INVALID_INPUT", key);
    }
    assert.deepEqual(await readdir(outside), ["target.txt"]);
    assert.equal(await readFile(join(outside, "target.txt"), "utf8"), "keep");
  });
});

describe("command driver: parse", () => {
  test("exit 0 is ok, with stdout's file as the text and nothing read into memory", async () => {
    const job = fx.job({ agent: "command", command: ["cat"] });
    await createDirs(job);
    await writeFile(job.paths.stream, "hello\n");
    const out = await commandDriver(fx.core).parse(job, exit());
    assert.equal(out.status, "ok");
    assert.equal(out.error, null);
    assert.equal(out.exit_code, 0);
    assert.equal(out.text_file, "stream.jsonl");
    assert.equal(out.text, undefined);
  });

  test("a non-zero exit fails with the exit code and the tail of stderr", async () => {
    const job = fx.job({ agent: "command", command: ["false"] });
    await createDirs(job);
    const lines = Array.from({ length: 2000 }, (_, i) => `noise ${i}`);
    await writeFile(job.paths.stderr, [...lines, "", "fatal: the real reason", ""].join("\n"));
    const out = await commandDriver(fx.core).parse(job, exit({ exitCode: 3 }));
    assert.equal(out.status, "failed");
    assert.equal(out.exit_code, 3);
    assert.match(out.error!, /^Exit code 3: /);
    assert.match(out.error!, /fatal: the real reason$/);
    assert.ok(!out.error!.includes("noise 1500"));
    assert.equal(out.text_file, "stream.jsonl");
  });

  test("a non-zero exit with empty stderr still says what happened", async () => {
    const job = fx.job({ agent: "command", command: ["false"] });
    await createDirs(job);
    const out = await commandDriver(fx.core).parse(job, exit({ exitCode: 1 }));
    assert.equal(out.error, "Exit code 1: the command wrote nothing to stderr");
  });

  test("timeout and cancellation keep the partial output file", async () => {
    const job = fx.job({ agent: "command", command: ["sleep", "99"], timeout: 7 });
    await createDirs(job);
    await writeFile(job.paths.stream, "12345");
    const timedOut = await commandDriver(fx.core).parse(
      job,
      exit({ exitCode: 137, timedOut: true }),
    );
    assert.equal(timedOut.status, "timeout");
    assert.equal(timedOut.error, "Timed out after 7 s (partial output: 5 bytes)");
    assert.equal(timedOut.text_file, "stream.jsonl");
    const cancelled = await commandDriver(fx.core).parse(
      job,
      exit({ exitCode: 137, cancelled: true }),
    );
    assert.equal(cancelled.status, "cancelled");
  });

  test("stderrTail of a missing file is empty", async () => {
    assert.equal(await stderrTail(join(fx.root, "nope.log")), "");
  });
});
