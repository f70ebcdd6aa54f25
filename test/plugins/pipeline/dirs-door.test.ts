// The spawn door the pipeline's /shared uses: a prepare hook's `dirs` are bound read-write, and
// only from inside the data dir (anything else is the mount policy's, through `mounts`).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import type { PluginFactory } from "../../../src/core/types.ts";

describe("SpawnAdditions.dirs", () => {
  let h: Harness;
  let host = "";
  const binder: PluginFactory = () => ({
    name: "binder",
    hooks: { prepare: () => ({ dirs: [{ host, container: "/bound" }] }) },
  });
  before(async () => (h = await createHarness({ plugins: { binder } })));
  after(() => h.dispose());

  it("binds a dir of the data dir read-write", async () => {
    host = join(h.core.refs.root, "bound-dir");
    await mkdir(host, { mode: 0o700 });
    const r = await h.call("run", { prompt: "hello" });
    assert.equal(r.data.status, "ok", r.text);
    const call = h.runtime.calls.find((c) => c.run === r.data.run_id)!;
    assert.deepEqual(call.opts.binds.filter((b) => b.container === "/bound"), [
      { host, container: "/bound", readonly: false },
    ]);
  });

  it("refuses a dir outside the data dir: the agent fails and no container starts", async () => {
    for (const outside of [h.dataDir, `${h.core.refs.root}/../elsewhere`, "/etc"]) {
      host = outside;
      const started = h.runtime.started;
      const r = await h.call("run", { prompt: "hello" });
      assert.equal(r.data.status, "failed", r.text);
      assert.match(r.data.error, /a hook's dirs must lie in the data dir/);
      assert.equal(h.runtime.started, started);
    }
  });
});
