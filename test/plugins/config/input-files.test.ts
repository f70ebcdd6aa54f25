// Seed-compatible input_files: a key written "/x" is taken relative to the workdir (the reference's
// callers wrote it so), a key inside the workdir keeps its place, and ".." is still refused
// anywhere, before the agent dir exists. Through run on a real core (fake runtime), both drivers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("input_files keys written as absolute paths", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h?.dispose());

  for (const agent of [{}, { agent: "command", command: ["true"] }]) {
    it(`"/x" lands at <workdir>/x (${agent.command ? "command" : "claude"} driver)`, async () => {
      const r = await h.call("run", {
        prompt: "hi",
        ...agent,
        workdir: "/srv/app",
        input_files: {
          "/notes/a.txt": "A",
          "/srv/app/b.txt": "B",
          "/etc/c.txt": "C",
          "d.txt": "D",
        },
      });
      assert.equal(r.isError, false, r.text);
      const ws = h.core.refs.paths(r.data.run_id, r.data.agent_id).workspace;
      assert.equal(await readFile(join(ws, "notes", "a.txt"), "utf8"), "A");
      assert.equal(await readFile(join(ws, "b.txt"), "utf8"), "B");
      assert.equal(await readFile(join(ws, "etc", "c.txt"), "utf8"), "C");
      assert.equal(await readFile(join(ws, "d.txt"), "utf8"), "D");
    });
  }

  it('".." and the workdir itself are still refused, before any agent dir exists', async () => {
    const before = await readdir(join(h.dataDir, "data"));
    for (const key of ["/../../etc/x", "/notes/../../x", "/srv/app", "/", "//"]) {
      const r = await h.call("run", {
        prompt: "hi",
        workdir: "/srv/app",
        input_files: { [key]: "x" },
      });
      assert.equal(r.isError, true, key);
      assert.equal(r.data.code, "INVALID_INPUT", r.text);
      assert.match(r.text, /^Cannot (write input file|use sandbox field)/);
    }
    // Each refused call leaves its run's record, never an agent dir.
    for (const run of (await readdir(join(h.dataDir, "data"))).filter((d) => !before.includes(d))) {
      const entries = await readdir(join(h.dataDir, "data", run), { withFileTypes: true });
      assert.deepEqual(entries.filter((e) => e.isDirectory()).map((e) => e.name), [], run);
    }
  });
});
