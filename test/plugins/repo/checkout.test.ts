// The repo plugin on the fake runtime, with real git: every agent its own branch and checkout,
// its changes committed and counted when it ends, the host's work tree, index and HEAD untouched.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { EditingRuntime, hostState, makeRepo, sh } from "./_fixture.ts";

describe("repo: a branch and a checkout per agent", () => {
  let h: Harness;
  let repo: Awaited<ReturnType<typeof makeRepo>>;
  const runtime = new EditingRuntime();
  before(async () => {
    h = await createHarness({ runtime });
    repo = await makeRepo();
  });
  after(async () => {
    await h.dispose();
    await repo.dispose();
  });
  const stamp = (ref: { stamps?: { repo?: Record<string, unknown> } }) => ref.stamps!.repo!;

  it("par of three agents on one repo: three branches, three counted diffs, host untouched", async () => {
    for (const n of ["1", "2", "3"]) {
      runtime.edits.set(`new${n}`, (ws) => {
        assert.equal(readFileSync(join(ws, "a.txt"), "utf8"), "one\ntwo\nthree\n");
        writeFileSync(join(ws, `f${n}.txt`), "x\n".repeat(Number(n)));
      });
    }
    const host = hostState(repo.dir);
    const r = await h.call("par", {
      tasks: ["1", "2", "3"].map((n) => ({ prompt: `Write f${n} {{new${n}}}\nmore text` })),
      repo: repo.dir,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(hostState(repo.dir), host);
    const main = sh(repo.dir, "rev-parse", "main");
    for (const [i, ref] of r.data.results.entries()) {
      const n = i + 1;
      const s = stamp(ref);
      assert.equal(s.branch, `swarm/${ref.run_id}/${ref.agent_id}`);
      assert.equal(s.base, "main");
      assert.deepEqual([s.files_changed, s.insertions, s.deletions], [1, n, 0]);
      assert.equal(sh(repo.dir, "rev-parse", `refs/heads/${s.branch}`), s.commit);
      assert.equal(sh(repo.dir, "rev-parse", `${s.commit}^`), main);
      assert.equal(
        sh(repo.dir, "show", "-s", "--format=%an|%s", String(s.commit)),
        `swarm-mcp agent ${ref.agent_id}|Write f${n} {{new${n}}}`,
      );
      assert.deepEqual(
        sh(repo.dir, "show", "--format=", "--name-only", String(s.commit)),
        `f${n}.txt`,
      );
      const patch = readFileSync(join(ref.output_dir, "repo.patch"), "utf8");
      assert.match(patch, new RegExp(`^\\+\\+\\+ b/f${n}\\.txt$`, "m"));
      // The checkout is gone; the branch stays.
      assert.deepEqual(readdirSync(join(ref.output_dir, "workspace")), []);
      assert.equal(existsSync(join(ref.output_dir, "repo.index")), false);
    }
    const m = await h.call("merge", { refs: r.data.results });
    assert.equal(m.isError, false, m.text);
    assert.equal(m.data.merged, true, m.text);
    assert.equal(
      sh(repo.dir, "ls-tree", "--name-only", "main"),
      "a.txt\nb.txt\nf1.txt\nf2.txt\nf3.txt",
    );
    // main was checked out and clean: its work tree followed, and stays clean.
    assert.equal(sh(repo.dir, "status", "--porcelain"), "");
    assert.equal(readFileSync(join(repo.dir, "f3.txt"), "utf8"), "x\nx\nx\n");
    const d = await h.call("drop", { refs: r.data.results });
    assert.equal(d.data.dropped.length, 3, d.text);
    assert.equal(sh(repo.dir, "branch", "--list", "swarm/*"), "");
  });

  it("an agent that changed nothing says so: zero counts, its commit is the base", async () => {
    const r = await h.call("run", { prompt: "look only", repo: repo.dir });
    assert.equal(r.isError, false, r.text);
    const s = stamp(r.data);
    assert.deepEqual([s.files_changed, s.insertions, s.deletions], [0, 0, 0]);
    assert.equal(s.commit, sh(repo.dir, "rev-parse", "main"));
  });

  it("a failed agent's branch holds its partial work, and drop deletes it", async () => {
    runtime.edits.set("half", (ws) => writeFileSync(join(ws, "a.txt"), "one\nTWO\n"));
    const r = await h.call("run", {
      prompt: 'half {{half}} [[fake fail="gave up"]]',
      repo: repo.dir,
    });
    assert.equal(r.data.status, "failed", r.text);
    const s = stamp(r.data);
    assert.deepEqual([s.files_changed, s.insertions, s.deletions], [1, 1, 2]);
    assert.match(sh(repo.dir, "show", "-s", "--format=%b", String(s.commit)), /\(failed\)/);
    const d = await h.call("drop", { refs: [r.data.ref] });
    assert.deepEqual(d.data.dropped, [r.data.ref]);
    const again = await h.call("drop", { refs: [r.data.ref] });
    assert.deepEqual(again.data.missing, [r.data.ref]);
  });

  it("uncommitted host changes reach the agent only with include_uncommitted, and stay the host's", async () => {
    writeFileSync(join(repo.dir, "a.txt"), "one\nlocal\n");
    writeFileSync(join(repo.dir, "new-local.txt"), "untracked\n");
    sh(repo.dir, "add", "a.txt"); // staged too: the host's index must not change either
    const host = hostState(repo.dir);
    const index = sh(repo.dir, "ls-files", "--stage");
    const saw: string[] = [];
    runtime.edits.set("look", (ws) => {
      saw.push(readFileSync(join(ws, "a.txt"), "utf8") + existsSync(join(ws, "new-local.txt")));
      writeFileSync(join(ws, "agent.txt"), "agent\n");
    });
    const plain = await h.call("run", { prompt: "{{look}}", repo: repo.dir });
    const withIt = await h.call("run", {
      prompt: "{{look}}",
      repo: repo.dir,
      include_uncommitted: true,
    });
    assert.equal(withIt.isError, false, withIt.text);
    assert.deepEqual(saw, ["one\ntwo\nthree\n" + false, "one\nlocal\n" + true]);
    // The agent's diff is its own; the host's changes sit in the commit below it.
    const s = stamp(withIt.data);
    assert.deepEqual([s.files_changed, s.insertions], [1, 1]);
    assert.equal(
      sh(repo.dir, "show", "--format=", "--name-only", `${s.commit}^`),
      "a.txt\nnew-local.txt",
    );
    assert.equal(stamp(plain.data).files_changed, 1);
    assert.equal(hostState(repo.dir), host);
    assert.equal(sh(repo.dir, "ls-files", "--stage"), index);
    sh(repo.dir, "reset", "-q", "--hard");
    sh(repo.dir, "clean", "-qfd");
  });

  it("a conflict is reported per ref with its files, and the target is left as it was", async () => {
    runtime.edits.set("x1", (ws) => writeFileSync(join(ws, "b.txt"), "first\n"));
    runtime.edits.set("x2", (ws) => writeFileSync(join(ws, "b.txt"), "second\n"));
    runtime.edits.set("x3", (ws) => writeFileSync(join(ws, "c.txt"), "c\n"));
    const r = await h.call("par", {
      tasks: [{ prompt: "{{x1}}" }, { prompt: "{{x2}}" }, { prompt: "{{x3}}" }],
      repo: repo.dir,
    });
    const main = sh(repo.dir, "rev-parse", "main");
    for (const strategy of ["merge", "cherry-pick"]) {
      const m = await h.call("merge", { refs: r.data.results, strategy });
      assert.equal(m.isError, false, m.text);
      assert.equal(m.data.merged, false, m.text);
      assert.deepEqual(m.data.conflicts, [
        { ref: r.data.results[1].ref, files: ["b.txt"], reason: "conflict" },
      ]);
      assert.equal(sh(repo.dir, "rev-parse", "main"), main);
      assert.equal(sh(repo.dir, "status", "--porcelain"), "");
    }
    const ff = await h.call("merge", { refs: r.data.results, strategy: "ff" });
    assert.equal(ff.data.merged, false);
    assert.deepEqual(ff.data.conflicts.map((c: { ref: string }) => c.ref), [
      r.data.results[1].ref,
      r.data.results[2].ref,
    ]);
    // A fresh branch takes the non-conflicting two; the host's main stays.
    sh(repo.dir, "branch", "side", "main");
    const ok = await h.call("merge", {
      refs: [r.data.results[0], r.data.results[2]],
      into: "side",
      strategy: "cherry-pick",
    });
    assert.equal(ok.data.merged, true, ok.text);
    assert.equal(sh(repo.dir, "show", "side:b.txt"), "first");
    assert.equal(sh(repo.dir, "rev-list", "--count", "main..side"), "2");
    assert.equal(sh(repo.dir, "rev-parse", "main"), main);
    assert.equal(sh(repo.dir, "worktree", "list").split("\n").length, 1);
  });

  it("merge refuses a checked-out target with uncommitted changes, touching nothing", async () => {
    runtime.edits.set("y", (ws) => writeFileSync(join(ws, "y.txt"), "y\n"));
    const r = await h.call("run", { prompt: "{{y}}", repo: repo.dir });
    writeFileSync(join(repo.dir, "a.txt"), "dirty\n");
    const host = hostState(repo.dir);
    const m = await h.call("merge", { refs: [r.data] });
    assert.equal(m.isError, true);
    assert.match(
      m.text,
      /Cannot merge into "main": it is checked out in .* with uncommitted changes/,
    );
    assert.equal(hostState(repo.dir), host);
    sh(repo.dir, "checkout", "-q", "--", "a.txt");
  });
});
