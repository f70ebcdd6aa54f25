// Agents whose inputs are repo agents' refs: a reducer is given their patches before its prompt,
// and a chain stage with base "@parent" continues the previous stage's branch.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { EditingRuntime, makeRepo, sh } from "./_fixture.ts";

describe("repo: agents reading repo agents' refs", () => {
  let h: Harness;
  let repo: Awaited<ReturnType<typeof makeRepo>>;
  const runtime = new EditingRuntime();
  const seen: boolean[] = [];
  before(async () => {
    h = await createHarness({ runtime });
    repo = await makeRepo();
    runtime.edits.set("p1", (ws) => writeFileSync(join(ws, "p1.txt"), "first approach\n"));
    runtime.edits.set("p2", (ws) => writeFileSync(join(ws, "a.txt"), "one\n"));
    runtime.edits.set("s0", (ws) => writeFileSync(join(ws, "s0.txt"), "stage 0\n"));
    runtime.edits.set("s1", (ws) => {
      seen.push(existsSync(join(ws, "s0.txt")));
      writeFileSync(join(ws, "s1.txt"), "stage 1\n");
    });
  });
  after(async () => {
    await h.dispose();
    await repo.dispose();
  });

  it("the reducer's prompt holds each input's patch with its branch and counts", async () => {
    const par = await h.call("par", {
      repo: repo.dir,
      tasks: [{ prompt: "{{p1}}" }, { prompt: "{{p2}}" }],
    });
    assert.equal(par.isError, false, par.text);
    const [r1, r2] = par.data.results;
    const red = await h.call("reduce", {
      inputs: [{ ref: r1.ref }, { ref: r2.ref }],
      synthesis_prompt: "pick the better one",
    });
    assert.equal(red.isError, false, red.text);
    const prompt = runtime.calls.at(-1)!.stdin;
    assert.match(prompt, /^# Changes made by your input agents\n\n## Changes of /);
    assert.ok(
      prompt.includes(
        `## Changes of ${r1.ref} on branch ${r1.stamps.repo.branch} (1 files, +1 -0)\n\`\`\`diff\ndiff --git a/p1.txt b/p1.txt`,
      ),
      prompt,
    );
    assert.match(prompt, /\+first approach\n/);
    assert.ok(prompt.includes(`(1 files, +0 -2)`), prompt);
    assert.match(prompt, /-two\n-three\n/);
    assert.ok(prompt.indexOf("pick the better one") > prompt.indexOf("-three"));
  });

  it('a chain with base "@parent": each stage starts from the previous stage\'s branch', async () => {
    const r = await h.call("chain", {
      repo: repo.dir,
      base: "@parent",
      stages: [{ prompt: "{{s0}}" }, { prompt: "{{s1}}" }],
    });
    assert.equal(r.isError, false, r.text);
    const [s0, s1] = r.data.intermediates.map((x: { stamps: { repo: Record<string, unknown> } }) =>
      x.stamps.repo
    );
    assert.deepEqual(seen, [true]);
    assert.equal(s0.base, "main");
    assert.equal(s1.base, s0.branch);
    assert.equal(sh(repo.dir, "rev-parse", `${s1.commit}^`), s0.commit);
    assert.deepEqual([s1.files_changed, s1.insertions], [1, 1]);
  });
});
