// The repo plugin against hostile input: repo paths the mount policy refuses, revisions and ids
// that would be options or bad branch names, host hooks and agent-planted git config that must not
// run on the host, planted symbolic links, and a change too large to hash into the host's store.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { EditingRuntime, hostState, makeRepo, sh } from "./_fixture.ts";

describe("repo: hostile input", () => {
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

  it("refuses repo paths outside the policy, through links, or not a repository's top, before any agent starts", async () => {
    const link = join(repo.dir, "..", "link");
    symlinkSync(repo.dir, link);
    mkdirSync(join(repo.dir, "sub"));
    const started = runtime.started;
    const cases: [string, RegExp][] = [
      ["/etc", /Cannot use repo "\/etc": it is in the system directory \/etc/],
      [join(h.dataDir, "data"), /inside the swarm-mcp data directory/],
      [link, /passes through a symbolic link/],
      [join(repo.dir, "sub"), /not a git work tree .*name the repository's top directory/],
      [join(repo.dir, ".git"), /not a git work tree/],
      [join(repo.dir, ".."), /not a git work tree/],
      ["relative/path", /expected an absolute host path/],
    ];
    for (const [path, why] of cases) {
      const r = await h.call("run", { prompt: "x", repo: path });
      assert.equal(r.isError, true, path);
      assert.match(r.text, why, r.text);
    }
    for (const base of ["--output=/tmp/x", "main..HEAD", "no-such-branch"]) {
      const r = await h.call("run", { prompt: "x", repo: repo.dir, base });
      assert.equal(r.isError, true, base);
      assert.match(r.text, /base/);
    }
    assert.equal(runtime.started, started);
    assert.equal(sh(repo.dir, "branch", "--list", "swarm/*"), "");
  });

  it("an agent id that is not a branch name is refused, and nothing is created", async () => {
    const spec = await h.core.sandboxes.resolve({ repo: repo.dir });
    for (const agent_id of ["-x", "a..b", "x.lock", ".hidden"]) {
      await assert.rejects(
        h.core.spawn(spec, "x", {
          run_id: h.core.refs.newRunId(),
          agent_id,
          signal: new AbortController().signal,
        }),
        /cannot name a git branch/,
      );
    }
    assert.equal(sh(repo.dir, "for-each-ref", "refs/heads/swarm"), "");
  });

  it("no hook of the host repository, nor git config the agent plants, runs on the host", async () => {
    const marker = join(repo.dir, "..", "hook-ran");
    const hook = `#!/bin/sh\necho "$0" >> ${marker}\n`;
    const hooks = join(repo.dir, ".git", "hooks");
    for (
      const name of [
        "pre-commit",
        "post-commit",
        "post-checkout",
        "post-merge",
        "post-rewrite",
        "reference-transaction",
        "pre-auto-gc",
      ]
    ) {
      writeFileSync(join(hooks, name), hook);
      chmodSync(join(hooks, name), 0o755);
    }
    // A planted .git in the checkout: were git to discover it, its fsmonitor would run.
    runtime.edits.set("plant", (ws) => {
      mkdirSync(join(ws, ".git"));
      writeFileSync(join(ws, ".git", "config"), `[core]\n\tfsmonitor = "touch ${marker}"\n`);
      writeFileSync(join(ws, ".git", "HEAD"), "ref: refs/heads/main\n");
      mkdirSync(join(ws, ".git", "objects"));
      mkdirSync(join(ws, ".git", "refs"));
      writeFileSync(join(ws, "z.txt"), "z\n");
    });
    const host = hostState(repo.dir);
    const r = await h.call("run", { prompt: "{{plant}}", repo: repo.dir });
    assert.equal(r.data.status, "ok", r.text);
    assert.equal(hostState(repo.dir), host);
    assert.equal(
      sh(repo.dir, "ls-tree", "-r", "--name-only", r.data.stamps.repo.commit),
      "a.txt\nb.txt\nz.txt",
    );
    for (const strategy of ["cherry-pick", "merge"]) {
      sh(repo.dir, "-c", "core.hooksPath=/dev/null", "branch", "-f", `t-${strategy}`, "main");
      sh(repo.dir, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--allow-empty", "-m", "main");
      const m = await h.call("merge", { refs: [r.data], into: `t-${strategy}`, strategy });
      assert.equal(m.data.merged, true, m.text);
    }
    // Into the checked-out branch: git fast-forwards the host's work tree (post-merge, post-checkout).
    const m = await h.call("merge", { refs: [r.data] });
    assert.equal(m.data.merged, true, m.text);
    assert.equal(existsSync(marker), false, "a hook or a planted config ran on the host");
  });

  it("planted symbolic links are committed as links: nothing they point at is read", async () => {
    runtime.edits.set("links", (ws) => {
      symlinkSync("/etc/passwd", join(ws, "leak"));
      symlinkSync("/", join(ws, "root"));
      symlinkSync("/etc/shadow", join(ws, "b.txt.tmp"));
    });
    const r = await h.call("run", { prompt: "{{links}}", repo: repo.dir });
    assert.equal(r.data.status, "ok", r.text);
    const c = r.data.stamps.repo.commit;
    assert.match(sh(repo.dir, "ls-tree", c, "leak"), /^120000 blob /);
    assert.equal(sh(repo.dir, "cat-file", "-p", `${c}:leak`), "/etc/passwd");
    assert.equal(sh(repo.dir, "cat-file", "-p", `${c}:root`), "/");
    assert.deepEqual([r.data.stamps.repo.files_changed, r.data.stamps.repo.insertions], [3, 3]);
    const { readFileSync } = await import("node:fs");
    const patch = readFileSync(join(r.data.output_dir, "repo.patch"), "utf8");
    assert.match(patch, /new file mode 120000/);
    assert.doesNotMatch(patch, /root:/);
  });

  it("a change too large for the host's object store fails the ref and is not hashed", async () => {
    runtime.edits.set("huge", (ws) => {
      writeFileSync(join(ws, "huge.bin"), "");
      truncateSync(join(ws, "huge.bin"), 300 << 20); // sparse: 300 MiB to git, nothing on disk
    });
    const objects = sh(repo.dir, "count-objects");
    const r = await h.call("run", { prompt: "{{huge}}", repo: repo.dir });
    assert.equal(r.data.status, "failed", r.text);
    assert.match(
      r.data.error,
      /bytes of changed files, over the limit of 268435456; nothing was committed/,
    );
    assert.equal(sh(repo.dir, "count-objects"), objects);
    assert.equal(
      sh(repo.dir, "rev-parse", `refs/heads/swarm/${r.data.run_id}/${r.data.agent_id}`),
      sh(repo.dir, "rev-parse", "main"),
    );
  });

  it("include_uncommitted refuses host changes too large to hash, before any branch or agent", async () => {
    const big = join(repo.dir, "dataset.bin");
    writeFileSync(big, "");
    truncateSync(big, 300 << 20);
    const objects = sh(repo.dir, "count-objects");
    const branches = sh(repo.dir, "for-each-ref", "refs/heads/swarm");
    const started = runtime.started;
    const r = await h.call("run", { prompt: "x", repo: repo.dir, include_uncommitted: true });
    assert.equal(r.isError, true);
    assert.match(
      r.text,
      /the host's uncommitted changes are \d+ bytes of changed files, over the limit/,
    );
    assert.equal(sh(repo.dir, "count-objects"), objects);
    assert.equal(runtime.started, started);
    assert.equal(sh(repo.dir, "for-each-ref", "refs/heads/swarm"), branches);
    rmSync(big);
  });

  it("merge and drop refuse refs without a repo stamp", async () => {
    const plain = await h.call("run", { prompt: "x" });
    for (const tool of ["merge", "drop"]) {
      const r = await h.call(tool, { refs: [plain.data.ref] });
      assert.equal(r.isError, true);
      assert.match(r.text, /it has no repo stamp/);
    }
  });

  it("encrypting a repo agent's ref leaves no plaintext patch or sandbox beside it", async () => {
    runtime.edits.set("secret", (ws) => writeFileSync(join(ws, "secret.txt"), "SECRET-c0de\n"));
    const r = await h.call("run", { prompt: "{{secret}}", repo: repo.dir, claude_md: "rules" });
    for (const f of ["repo.patch", "sandbox.json"]) {
      assert.equal(existsSync(join(r.data.output_dir, f)), true, f);
    }
    const e = await h.call("encrypt", { ref: r.data.ref });
    assert.equal(e.isError, false, e.text);
    for (const f of ["repo.patch", "sandbox.json"]) {
      assert.equal(existsSync(join(r.data.output_dir, f)), false, `${f} left after encrypt`);
    }
  });
});
