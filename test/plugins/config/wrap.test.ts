// wrap on a real core (fake runtime): a file and a directory become finished refs that reduce,
// guard and unwrap take like an agent's; links are never followed, sizes are bounded, and paths a
// mount may not reach are refused.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { fakeValidatePlugin } from "../../helpers/fake-validate.ts";
import { defaultPlugins } from "../../../src/plugins/_registry.ts";

describe("config plugin: wrap", () => {
  let root: string;
  let h: Harness;
  let sock: Server;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "swarm-wrap-"));
    await mkdir(join(root, "docs", "sub"), { recursive: true });
    await writeFile(join(root, "notes.md"), "The notes: alpha beta.\n");
    await writeFile(join(root, "docs", "a.md"), "Doc A text\n");
    await writeFile(join(root, "docs", "sub", "b.txt"), "Doc B text\n");
    await writeFile(join(root, "docs", "blob.bin"), Buffer.from([1, 0, 2, 0]));
    await writeFile(join(root, "secret.txt"), "HOST SECRET\n");
    await symlink(join(root, "secret.txt"), join(root, "docs", "leak.txt"));
    await symlink(root, join(root, "docs", "up"));
    await symlink(join(root, "secret.txt"), join(root, "file-link"));
    await writeFile(join(root, "huge.txt"), "");
    await truncate(join(root, "huge.txt"), (32 << 20) + 1);
    sock = createServer();
    await new Promise<void>((r) => sock.listen(join(root, "a.sock"), r));
    h = await createHarness();
  });
  after(async () => {
    await h?.dispose();
    await new Promise((r) => sock?.close(r));
    await rm(root, { recursive: true, force: true });
  });

  it("a file becomes a finished ref: its text, model wrapped, cost 0, source_path", async () => {
    const r = await h.call("wrap", { path: join(root, "notes.md") });
    assert.equal(r.isError, false, r.text);
    const ref = r.data;
    assert.equal(ref.status, "ok");
    assert.equal(ref.model, "wrapped");
    assert.equal(ref.cost_usd, 0);
    assert.equal(ref.source_path, join(root, "notes.md"));
    assert.deepEqual(ref.stamps.wrapped, {
      source_path: join(root, "notes.md"),
      kind: "file",
      files: 1,
    });
    assert.equal(ref.size, 23);
    assert.equal(await h.core.refs.readText(ref.ref), "The notes: alpha beta.\n");
    const un = await h.call("unwrap", { ref: ref.ref });
    assert.equal(await readFile(un.data.file, "utf8"), "The notes: alpha beta.\n");
    const g = await h.call("guard", { ref: ref.ref, check: "exists" });
    assert.equal(g.isError, false, g.text);
    const st = await h.call("status", { run_id: ref.run_id });
    assert.equal(st.data.status, "done", st.text);
    assert.equal(h.runtime.started, 0);
  });

  it("a directory becomes a listing plus its text files; links and binaries are not read", async () => {
    const r = await h.call("wrap", { path: join(root, "docs") });
    assert.equal(r.isError, false, r.text);
    const text = await h.core.refs.readText(r.data.ref);
    assert.match(text, new RegExp(`^Directory wrapped: ${join(root, "docs")}\nFiles:\n`));
    assert.match(
      text,
      /Files:\na\.md\nblob\.bin\nleak\.txt -> \(symbolic link, not followed\)\nsub\/\nsub\/b\.txt\nup -> /,
    );
    assert.match(text, /=== a\.md ===\nDoc A text/);
    assert.match(text, /=== sub\/b\.txt ===\nDoc B text/);
    assert.match(text, /=== blob\.bin ===\n\(not included: a binary file\)/);
    assert.match(text, /leak\.txt -> \(symbolic link, not followed\)/);
    assert.doesNotMatch(text, /HOST SECRET/);
    assert.deepEqual(r.data.stamps.wrapped, {
      source_path: join(root, "docs"),
      kind: "directory",
      files: 2,
    });
  });

  it("a directory's text is bounded: a file past the limit is named, not read", async () => {
    await mkdir(join(root, "big"));
    await writeFile(join(root, "big", "a-huge.txt"), "");
    await truncate(join(root, "big", "a-huge.txt"), (32 << 20) + 1);
    await writeFile(join(root, "big", "b.txt"), "small\n");
    const r = await h.call("wrap", { path: join(root, "big") });
    assert.equal(r.isError, false, r.text);
    const text = await h.core.refs.readText(r.data.ref);
    assert.match(text, /=== a-huge\.txt ===\n\(not included: the wrapped text reached 32 MiB\)/);
    assert.match(text, /=== b\.txt ===\nsmall/);
    assert.ok(r.data.size < 1024, `size ${r.data.size}`);
  });

  it("wrapped refs are reduce inputs like any agent's, and parents of its ref", async () => {
    const file = (await h.call("wrap", { path: join(root, "notes.md") })).data.ref;
    const dir = (await h.call("wrap", { path: join(root, "docs") })).data.ref;
    const r = await h.call("reduce", {
      results: [{ ref: file }, { ref: dir }],
      synthesis_prompt: "Merge these",
    });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.result.parents, [file, dir]);
    const prompt = h.runtime.calls.at(-1)!.stdin;
    assert.match(prompt, /The notes: alpha beta\./);
    assert.match(prompt, /Doc B text/);
  });

  it("filter and guard take wrapped refs like an agent's", async () => {
    await writeFile(join(root, "good.md"), "a good report\n");
    await writeFile(join(root, "bad.md"), "a poor one\n");
    const validate = fakeValidatePlugin({ validWord: "good" });
    const v = await createHarness({
      builtins: defaultPlugins.filter((n) => n !== "types"),
      plugins: { "fake-types": validate },
    });
    try {
      const good = (await v.call("wrap", { path: join(root, "good.md") })).data.ref;
      const bad = (await v.call("wrap", { path: join(root, "bad.md") })).data.ref;
      const r = await v.call("filter", { refs: [good, bad], declared_type: "report" });
      assert.equal(r.isError, false, r.text);
      assert.deepEqual([r.data.valid, r.data.invalid], [1, 1]);
      assert.equal(r.data.results[0].ref, good);
      const g = await v.call("guard", { ref: good, check: "validated", value: "report" });
      assert.equal(g.isError, false, g.text);
      const budget = await v.call("guard", { ref: good, check: "budget", value: 0 });
      assert.equal(budget.isError, false, budget.text);
      assert.equal((await v.call("guard", { ref: bad, check: "validated" })).isError, true);
    } finally {
      await v.dispose();
    }
  });

  it("hostile paths are refused before any ref exists", async () => {
    const data = join(h.dataDir, "data");
    const cases: [string, string, RegExp][] = [
      [join(root, "file-link"), "FORBIDDEN", /symbolic link/],
      [join(root, "docs", "up", "secret.txt"), "FORBIDDEN", /symbolic link/],
      ["/etc/passwd", "FORBIDDEN", /system directory/],
      ["/dev/null", "FORBIDDEN", /device|system/],
      [join(root, "a.sock"), "FORBIDDEN", /socket/],
      [join(data, ".keys", "stamps.key"), "FORBIDDEN", /data directory/],
      [data, "FORBIDDEN", /data directory/],
      [join(root, "huge.txt"), "TOO_LARGE", /over 32 MiB/],
      [join(root, "nul\0"), "INVALID_INPUT", /NUL/],
      ["notes.md", "INVALID_INPUT", /not absolute/],
      [join(root, "..", "..", "..", "..", "..", "etc", "shadow"), "FORBIDDEN", /system/],
      ["/" + "a/".repeat(3000), "INVALID_INPUT", /at most/],
    ];
    const runs = (await h.call("runs", {})).data;
    for (const [path, code, re] of cases) {
      const r = await h.call("wrap", { path });
      assert.equal(r.isError, true, path.slice(0, 80));
      assert.equal(r.data.code, code, r.text);
      assert.match(r.text, re);
      assert.match(r.text, /^Cannot wrap /);
    }
    assert.deepEqual((await h.call("runs", {})).data, runs);
  });
});
