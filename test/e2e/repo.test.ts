// Agents that change a repository, end to end: the compiled binary, real containers running the
// real claude CLI against the scripted model server, and a real git repository on the host.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { agentImage, dockerSkip, type ModelEnv, startModelEnv } from "../helpers/docker-env.ts";
import { hostState, makeRepo, sh } from "../plugins/repo/_fixture.ts";

const skip = binarySkip || (await dockerSkip());

describe("repo: real claude agents on one repository", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let repo: Awaited<ReturnType<typeof makeRepo>>;
  let base: Record<string, unknown>;
  const write = (name: string, file: string, content: string, end: object = { text: "Done." }) =>
    model.script(name, {
      turns: [
        {
          text: "Writing.",
          tool_use: { name: "Write", input: { file_path: `/workspace/${file}`, content } },
        },
        end,
      ],
    });

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    server = await startBinary({
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
    });
    repo = await makeRepo();
    base = { network: model.network, model: "claude-sonnet-4-5", tools: ["Read", "Write"] };
  });
  after(async () => {
    await server?.close();
    await model?.stop();
    await repo?.dispose();
  });

  it("par of three agents: three branches, three diff refs, one merge; the host untouched until then", async () => {
    await write("w1", "f1.txt", "one\n");
    await write("w2", "f2.txt", "two\ntwo\n");
    await write("w3", "f3.txt", "three\nthree\nthree\n");
    const host = hostState(repo.dir);
    const res = await server.call("par", {
      ...base,
      repo: repo.dir,
      tasks: [1, 2, 3].map((i) => ({ prompt: `[[script:w${i}]] write f${i}.txt` })),
    });
    assert.equal(res.succeeded, 3, JSON.stringify(res.results));
    assert.equal(hostState(repo.dir), host);
    for (const [i, ref] of res.results.entries()) {
      const s = ref.stamps.repo;
      assert.deepEqual([s.files_changed, s.insertions, s.deletions], [1, i + 1, 0]);
      assert.equal(sh(repo.dir, "show", `${s.branch}:f${i + 1}.txt`).split("\n").length, i + 1);
      const unwrapped = await server.call("unwrap", { ref: ref.ref });
      assert.equal(unwrapped.patch, join(ref.output_dir, "repo.patch"), "unwrap names the patch");
      const patch = await readFile(unwrapped.patch, "utf8");
      assert.match(patch, new RegExp(`\\+\\+\\+ b/f${i + 1}\\.txt`));
    }
    assert.equal(sh(repo.dir, "branch", "--list", "swarm/*").split("\n").length, 3);
    const m = await server.call("merge", { refs: res.results });
    assert.equal(m.merged, true, JSON.stringify(m));
    assert.equal(
      sh(repo.dir, "ls-tree", "--name-only", "main"),
      "a.txt\nb.txt\nf1.txt\nf2.txt\nf3.txt",
    );
    assert.equal(sh(repo.dir, "status", "--porcelain"), "");
    const d = await server.call("drop", { refs: res.results });
    assert.equal(d.dropped.length, 3);
  });

  it("two agents writing the same file: a reported conflict and an untouched target", async () => {
    // The CLI writes over a file only after reading it: both create the same new file instead.
    await write("e1", "same.txt", "one\n");
    await write("e2", "same.txt", "eins\n");
    const res = await server.call("par", {
      ...base,
      repo: repo.dir,
      tasks: [{ prompt: "[[script:e1]] edit" }, { prompt: "[[script:e2]] edit" }],
    });
    assert.equal(res.succeeded, 2, JSON.stringify(res.results));
    assert.deepEqual(
      res.results.map((r: { stamps: { repo: { files_changed: number } } }) =>
        r.stamps.repo.files_changed
      ),
      [1, 1],
    );
    const host = hostState(repo.dir);
    const m = await server.call("merge", { refs: res.results });
    assert.equal(m.merged, false);
    assert.deepEqual(m.conflicts, [{
      ref: res.results[1].ref,
      files: ["same.txt"],
      reason: "conflict",
    }]);
    assert.equal(hostState(repo.dir), host);
  });

  it("a failed agent's branch holds its partial work and can be dropped", async () => {
    await write("f", "partial.txt", "half\n", {
      error: { status: 400, type: "invalid_request_error", message: "scripted failure" },
    });
    const ref = await server.call("run", { ...base, repo: repo.dir, prompt: "[[script:f]] try" });
    assert.equal(ref.status, "failed");
    const s = ref.stamps.repo;
    assert.equal(sh(repo.dir, "show", `${s.branch}:partial.txt`), "half");
    await server.call("drop", { refs: [ref] });
    assert.throws(() =>
      execFileSync("git", ["rev-parse", "--verify", "--quiet", s.branch], { cwd: repo.dir })
    );
  });

  it("reply continues a session: the model sees the earlier turns, the work goes on from its branch", async () => {
    // One script for both: the server answers turn n when n assistant turns are already in the
    // messages, so turns 2 and 3 are served only to a CLI that resumed the first two.
    const writeTurn = (file: string) => ({
      text: "Writing.",
      tool_use: { name: "Write", input: { file_path: `/workspace/${file}`, content: "x\n" } },
    });
    await model.script("s", {
      turns: [writeTurn("notes.txt"), { text: "First part done." }, writeTurn("more.txt"), {
        text: "Continued.",
      }],
    });
    const first = await server.call("run", {
      ...base,
      repo: repo.dir,
      prompt: "[[script:s]] begin",
    });
    assert.equal(first.status, "ok", first.error);
    const before = (await model.requests()).length;
    const next = await server.call("reply", { ref: first.ref, prompt: "go on" });
    assert.equal(next.status, "ok", next.error);
    assert.deepEqual(next.parents, [first.ref]);
    const turns = (await model.requests()).slice(before).filter((r) => r.marker === "s").map((r) =>
      r.turn
    );
    assert.deepEqual(turns, [2, 3], "the resumed session holds the earlier turns");
    assert.equal((await server.call("unwrap", { ref: next.ref })).size, "Continued.".length);
    // The reply's branch starts from the first agent's commit: both files are on it.
    const s = next.stamps.repo;
    assert.equal(sh(repo.dir, "rev-parse", `${s.branch}~1`), first.stamps.repo.commit);
    assert.match(sh(repo.dir, "ls-tree", "--name-only", s.branch), /more\.txt\nnotes\.txt/);
  });
});
