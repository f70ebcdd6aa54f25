// Files an agent could have written, replaced by what a hostile agent plants: a symlink to a host
// secret, a FIFO, a sparse 64 GB file, a link to /usr, a symlink loop, 100k files. inspect, unwrap
// and the drivers' readers finish quickly, never show the secret, and say what they skipped.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashFile } from "../../src/core/ref-content.ts";
import { copyNoFollow, linesNoFollow, listNoFollow, readNoFollow } from "../../src/core/safe-fs.ts";
import type { AgentPaths } from "../../src/core/types.ts";
import { readStream } from "../../src/plugins/claude-code/parse.ts";
import { coreFs, stderrTail } from "../../src/core/core-fs.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const MARKER = "HOST-SECRET-7f3a9c";
let t: string;
let secret: string;
let h: Harness;

/** A finished command agent whose files the test then replaces; returns its ref and paths. */
async function agent(): Promise<{ ref: string; p: AgentPaths }> {
  const r = await h.call("run", {
    agent: "command",
    command: ["cat"],
    prompt: `[[fake text="ok" stderr="warn"]]`,
  });
  assert.equal(r.isError, false, r.text);
  const [run, id] = (r.data.ref as string).split("/");
  return { ref: r.data.ref, p: h.core.refs.paths(run!, id!) };
}

async function plant(path: string, what: "secret-link" | "fifo" | "sparse" | "usr-link") {
  await rm(path, { recursive: true, force: true });
  if (what === "secret-link") await symlink(secret, path);
  if (what === "usr-link") await symlink("/usr", path);
  if (what === "fifo") execFileSync("mkfifo", [path]);
  if (what === "sparse") await writeFile(path, ""), await truncate(path, 64 * 2 ** 30);
}

async function timed<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((
    _,
    ko,
  ) => (timer = setTimeout(() => ko(new Error(`${what} took over ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function inspect(ref: string): Promise<string> {
  const r = await timed(20_000, "inspect", h.call("inspect", { ref }));
  assert.equal(r.isError, false, r.text);
  const report = await readFile(r.data.file, "utf8");
  assert.ok(!report.includes(MARKER), "inspect.md carries the host secret");
  return report;
}

describe("readers of agent-writable files", () => {
  before(async () => {
    t = await mkdtemp(join(tmpdir(), "swarm-readers-"));
    secret = join(t, "secret.txt");
    await writeFile(
      secret,
      `${MARKER}\n{"type":"assistant","message":{"content":[{"type":"tool_use","name":"${MARKER}"}]}}\n`,
    );
    h = await createHarness();
  });
  after(async () => {
    await h?.dispose();
    await rm(t, { recursive: true, force: true });
  });

  for (
    const [file, what] of [
      ["artifacts", "secret-link"],
      ["stderr", "secret-link"],
      ["stream", "secret-link"],
      ["artifacts", "fifo"],
      ["stderr", "fifo"],
      ["stream", "fifo"],
      ["stderr", "sparse"],
      ["stream", "sparse"],
      ["artifacts", "sparse"],
    ] as const
  ) {
    it(`hostile reader: ${what} as ${file} → inspect is quick and says it skipped`, async () => {
      const { ref, p } = await agent();
      const path = file === "artifacts"
        ? join(p.out, "artifacts.jsonl")
        : file === "stderr"
        ? p.stderr
        : p.stream;
      await plant(path, what);
      const report = await inspect(ref);
      if (what !== "sparse") {
        assert.match(report, /skipped: [a-z.]+ is (a symbolic link|not a regular file)/);
      } else if (file === "stream") assert.match(report, /read the first 256 MB of stream\.jsonl/);
      else if (file === "artifacts") assert.match(report, /truncated: artifacts\.jsonl/);
    });
  }

  it("hostile reader: the text file (stream.jsonl) as a link to a host file → unwrap copies nothing and says so", async () => {
    const { ref, p } = await agent();
    await plant(p.stream, "secret-link");
    const r = await timed(10_000, "unwrap", h.call("unwrap", { ref }));
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.size, 0);
    assert.match(r.data.skipped, /symbolic link/);
    assert.ok(!(await readFile(r.data.file, "utf8")).includes(MARKER));
    assert.equal(await h.core.refs.readText(ref), "");
  });

  it("hostile reader: the text file as a FIFO → unwrap and readText return at once", async () => {
    const { ref, p } = await agent();
    await plant(p.stream, "fifo");
    const r = await timed(5_000, "unwrap", h.call("unwrap", { ref }));
    assert.match(r.data.skipped, /not a regular file/);
    assert.equal(await timed(5_000, "readText", h.core.refs.readText(ref)), "");
  });

  it("hostile reader: workspace links to /usr and a loop, 100k files → inspect lists a bounded, link-free tree", async () => {
    const { ref, p } = await agent();
    await symlink("/usr", join(p.workspace, "usr"));
    await symlink(".", join(p.workspace, "loop"));
    let deep = p.workspace;
    for (let i = 0; i < 40; i++) await mkdir(deep = join(deep, `d${i}`));
    await mkdir(join(p.workspace, "many"));
    execFileSync("sh", ["-c", `cd "${join(p.workspace, "many")}" && seq 1 100000 | xargs touch`]);
    const t0 = Date.now();
    const report = await inspect(ref);
    assert.ok(Date.now() - t0 < 10_000, `inspect took ${Date.now() - t0} ms`);
    assert.match(report, /usr -> \(symbolic link, not followed\)/);
    assert.match(report, /truncated: first 200 entries/);
    assert.ok(
      !/\/(bin|lib|share)\//.test(report.split("## Workspace files")[1]!),
      "walked into /usr",
    );
  });

  it("hostile reader: the workspace itself replaced by a link to /usr", async () => {
    const { ref, p } = await agent();
    await plant(p.workspace, "usr-link");
    assert.match(await inspect(ref), /skipped: the workspace is not a directory/);
  });

  it("hostile reader: the claude driver's stream as a link, a FIFO, or a gigantic line", async () => {
    const link = join(t, "stream-link");
    await symlink(secret, link);
    assert.equal((await readStream(coreFs, link)).lines, 0);
    const fifo = join(t, "stream-fifo");
    execFileSync("mkfifo", [fifo]);
    assert.equal((await timed(5_000, "readStream", readStream(coreFs, fifo))).lines, 0);
    const big = join(t, "stream-big");
    const fh = await open(big, "w");
    await fh.write(
      "x".repeat(3 << 20) + "\n" +
        JSON.stringify({ type: "result", subtype: "success", result: "fine" }) + "\n",
    );
    await fh.close();
    const s = await readStream(coreFs, big, { maxBytes: 8 << 20, maxLine: 1 << 20 });
    assert.equal(s.lines, 1, "the over-long line is dropped, the next one read");
    assert.equal(s.result?.result, "fine");
  });

  it("hostile reader: stderrTail and hashFile do not follow links or read FIFOs", async () => {
    const link = join(t, "stderr-link");
    await symlink(secret, link);
    assert.equal(await stderrTail(link), "");
    assert.deepEqual(await hashFile(link), { hash: "", size: 0 });
    const fifo = join(t, "stderr-fifo");
    execFileSync("mkfifo", [fifo]);
    assert.equal(await timed(5_000, "stderrTail", stderrTail(fifo)), "");
    assert.equal((await timed(5_000, "hashFile", hashFile(fifo))).size, 0);
  });

  it("safe-fs limits: lines stop at maxBytes, reads at maxBytes, listings at maxEntries", async () => {
    const f = join(t, "lines.txt");
    await writeFile(f, "a\nbb\n" + "c".repeat(100) + "\nd");
    const stats = { bytes: 0, longLines: 0, truncated: false };
    const got: string[] = [];
    for await (const l of linesNoFollow(f, { maxBytes: 1000, maxLine: 10 }, stats)) got.push(l);
    assert.deepEqual(got, ["a", "bb", "d"]);
    assert.equal(stats.longLines, 1);
    const cut = { bytes: 0, longLines: 0, truncated: false };
    for await (const _ of linesNoFollow(f, { maxBytes: 3, maxLine: 10 }, cut)) { /* drain */ }
    assert.equal(cut.truncated, true);
    assert.deepEqual(await readNoFollow(f, 4), { text: "a\nbb", size: 107, truncated: true });
    assert.equal((await readNoFollow(f, 1, { fromEnd: true })).text, "d");
    const sparse = join(t, "sparse");
    await plant(sparse, "sparse");
    assert.deepEqual(await timed(5_000, "copy", copyNoFollow(sparse, join(t, "copy"), 1 << 20)), {
      size: 1 << 20,
      truncated: true,
    });
    assert.equal((await hashFile(sparse)).size, 64 * 2 ** 30);
    const l = await listNoFollow(t, { maxEntries: 2, maxDepth: 3 });
    assert.equal(l.entries.length, 2);
    assert.equal(l.truncated, true);
  });
});
