// One owner of a ref's content: the inventory names every file a finished agent dir holds, the one
// read path (core.refs.read/lines) refuses planted links and FIFOs and applies the encryption
// policy, and no reader outside the core reads an agent's files by path.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { AGENT_FILES } from "../../../src/core/ref-ids.ts";
import type { LineStats, RefPart } from "../../../src/core/types.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const MARKER = "HOST-SECRET-c0n7en7";
const ROOT = join(import.meta.dirname!, "..", "..", "..");
const NAMED = new Set<string>(Object.values(AGENT_FILES));

async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, ko) =>
    timer = setTimeout(() => ko(new Error(`${what} took over ${ms} ms`)), ms)
  );
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe("a ref's content", () => {
  let h: Harness;
  let secret: string;
  const run = async (args: Record<string, unknown>): Promise<string> => {
    const r = await h.call("run", args);
    assert.equal(r.isError, false, r.text);
    return r.data.ref;
  };
  const command = () =>
    run({ agent: "command", command: ["cat"], prompt: `[[fake text="out" stderr="warn"]]` });
  const dirOf = (ref: string) => h.core.refs.paths(ref.split("/")[0]!, ref.split("/")[1]!);

  before(async () => {
    h = await createHarness();
    secret = join(h.core.config.dataDir, "..", `secret-${process.pid}.txt`);
    await writeFile(secret, `${MARKER}\n`);
  });
  after(async () => {
    await h?.dispose();
    await rm(secret, { force: true });
  });

  it("the inventory names every file a finished claude or command agent's dir holds", async () => {
    for (const ref of [await run({ prompt: 'x [[fake text="hi"]]' }), await command()]) {
      for (const tool of ["unwrap", "inspect"]) {
        const r = await h.call(tool, { ref });
        assert.equal(r.isError, false, r.text);
      }
      const p = dirOf(ref);
      await writeFile(join(p.out, "artifacts.jsonl"), "{}\n"); // what claude's hook writes
      const found = [
        ...await readdir(p.dir),
        ...(await readdir(p.out)).map((n) => `${AGENT_FILES.out}/${n}`),
      ];
      const unnamed = found.filter((n) => !NAMED.has(n));
      assert.deepEqual(unnamed, [], `files of ${ref} the inventory does not name`);
      for (const n of ["result", "stream", "stderr", "unwrapped", "inspect"] as const) {
        assert.ok(found.includes(AGENT_FILES[n]), `${ref} has no ${AGENT_FILES[n]}`);
      }
      for (const path of Object.values(p)) {
        const name = relative(p.dir, path);
        assert.ok(name === "" || NAMED.has(name), `AgentPaths names ${name} outside the inventory`);
      }
    }
  });

  it("read and lines return at once and show nothing for a planted link or FIFO", async () => {
    const ref = await command();
    const p = dirOf(ref);
    const files: [RefPart & ("stream" | "stderr" | "artifacts"), string][] = [
      ["stream", p.stream],
      ["stderr", p.stderr],
      ["artifacts", join(p.out, "artifacts.jsonl")],
    ];
    for (const [part, path] of [...files, ["prompt", p.prompt] as const]) {
      for (const plant of ["link", "fifo"] as const) {
        await rm(path, { force: true });
        if (plant === "link") await symlink(secret, path);
        else execFileSync("mkfifo", [path]);
        const r = await within(5_000, `read ${part}`, h.core.refs.read(ref, part));
        assert.equal(r.text, "", `${part} as a ${plant} was read`);
        assert.match(r.skipped ?? "", /symbolic link|not a regular file/);
        if (part === "prompt") continue;
        const stats: LineStats = { bytes: 0, longLines: 0, truncated: false };
        const lines: string[] = [];
        const it = h.core.refs.lines(ref, part as "stream", { stats });
        for await (const l of it) lines.push(l);
        assert.deepEqual(lines, [], `lines of ${part} as a ${plant}`);
        assert.match(stats.skipped ?? "", /symbolic link|not a regular file/);
      }
    }
  });

  it("an encrypted ref: text, stream and structured refuse naming decrypt, or display as (encrypted)", async () => {
    const ref = await command();
    await h.core.refs.stamp(ref, "encryption", { key_id: "k9", algorithm: "x" });
    for (const part of ["text", "stream", "structured"] as const) {
      await assert.rejects(h.core.refs.read(ref, part), (e: { code?: string; message: string }) => {
        assert.equal(e.code, "CONFLICT");
        assert.match(e.message, /encrypted \(key_id k9\); call decrypt/);
        return true;
      });
      assert.equal((await h.core.refs.read(ref, part, { display: true })).text, "(encrypted)");
    }
    await assert.rejects(h.core.refs.readText(ref), /call decrypt/);
    await assert.rejects(h.core.refs.copyOut(ref), /call decrypt/);
    const stats: LineStats = { bytes: 0, longLines: 0, truncated: false };
    for await (const _ of h.core.refs.lines(ref, "stream", { display: true, stats })) {
      assert.fail("an encrypted stream yielded a line");
    }
    assert.equal(stats.skipped, "encrypted");
    assert.equal((await h.core.refs.read(ref, "stderr")).text, "warn", "stderr is not sealed");
  });

  it("no plugin reads an agent's content files by path: they go through core.refs", async () => {
    // The drivers' parse reads the live stream and stderr before the ref exists (by job.paths);
    // the docker runtime writes those files. Everything else must use core.refs.read/lines
    // (core.fs readers stay free for files that are not an agent's, e.g. type definitions).
    const exempt =
      /^src\/plugins\/(docker\/|claude-code\/(index|parse)\.ts|command\/(index|files)\.ts)/;
    const names =
      "stream\\.jsonl|stderr\\.log|artifacts\\.jsonl|prompt\\.txt|stdin\\.txt|output\\.md|inspect\\.md|result\\.json|text\\.md";
    const direct = new RegExp(
      `safe-fs\\.ts|(read|lines|list|copy)NoFollow\\(.*\\b(paths|refs)\\b|paths\\.(stream|stderr|prompt|stdin|out)\\b|join\\(.*["'](${names})["']`,
    );
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(join(ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) await walk(rel);
        else if (rel.endsWith(".ts") && !rel.endsWith(".test.ts") && !exempt.test(rel)) {
          const lines = (await readFile(join(ROOT, rel), "utf8")).split("\n");
          lines.forEach((l, i) => direct.test(l) && found.push(`${rel}:${i + 1}: ${l.trim()}`));
        }
      }
    };
    await walk("src/plugins");
    await walk("plugins");
    assert.deepEqual(found, [], "direct reads of agent files outside core.refs");
  });
});
