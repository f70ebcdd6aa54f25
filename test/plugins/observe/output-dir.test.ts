// Refs on the wire say where the agent's files are (output_dir, as the reference's refs did) and
// stay a small handle: at most 1 KB with a long data dir, a long error and several parents.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("output_dir on wire refs", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ env: {} });
  });
  after(() => h?.dispose());

  it("names the agent's directory, where output.md and inspect.md land", async () => {
    const r = await h.call("run", { prompt: '[[fake text="hello"]] go' });
    assert.equal(r.isError, false, r.text);
    const ref = r.data;
    assert.equal(ref.output_dir, h.core.refs.paths(ref.run_id, ref.agent_id).dir);
    const unwrapped = await h.call("unwrap", { ref: ref.ref });
    const inspected = await h.call("inspect", { ref: ref.ref });
    assert.equal(unwrapped.data.file, join(ref.output_dir, "output.md"));
    assert.equal(inspected.data.file, join(ref.output_dir, "inspect.md"));
    const names = await readdir(ref.output_dir);
    for (const f of ["result.json", "output.md", "inspect.md"]) assert.ok(names.includes(f), f);
  });

  it("keeps a failed reducer's ref under 1 KB with output_dir, a long error and parents", async () => {
    const long = await createHarness({
      dataDir: join(h.dataDir, "a-rather-long-directory-name-".repeat(3)),
    });
    try {
      const fail = "x".repeat(2000);
      const r = await long.call("reduce", {
        inputs: (await long.call("par", {
          tasks: [0, 1, 2].map((i) => ({ prompt: `[[fake text="p${i}"]] part ${i}` })),
        })).data.results.map((x: { ref: string }) => x.ref),
        synthesis_prompt: `[[fake fail="${fail}"]] merge`,
      });
      const ref = r.data.result ?? r.data;
      assert.equal(ref.status, "failed", r.text);
      assert.equal(ref.parents.length, 3);
      assert.ok(ref.output_dir.startsWith(long.core.config.dataDir), ref.output_dir);
      const size = JSON.stringify(ref).length;
      assert.ok(size <= 1024, `the ref is ${size} bytes: ${JSON.stringify(ref)}`);
    } finally {
      await long.dispose({ keep: true });
    }
  });
});
