// The core each plugin receives: stamp keys belong to the one plugin that declares them (nobody
// else, not even the core's "cost", can be written or forged through it), core.tools.has is a
// real registry lookup, core.isToolError recognises tool errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Json, PluginFactory } from "../../src/core/types.ts";
import { fakeValidatePlugin } from "../helpers/fake-validate.ts";
import { defaultPlugins } from "../../src/plugins/_registry.ts";
import { createHarness } from "../helpers/harness.ts";

/** A plugin with one tool, `<name>_mark`, that stamps `key` on a ref through its own core. */
function marker(name: string, stamps?: string[]): PluginFactory {
  return (core) => ({
    name,
    ...(stamps ? { stamps } : {}),
    tools: [{
      name: `${name}_mark`,
      description: "Test tool: stamps a key on a ref through this plugin's core",
      input: core.v.object({ ref: core.v.string(), key: core.v.string(), value: core.v.unknown() }),
      run: async (a: { ref: string; key: string; value: unknown }) => {
        const has = { par: core.tools.has("par"), nope: core.tools.has("nope") };
        try {
          return { ref: await core.refs.stamp(a.ref, a.key, a.value as Json), has };
        } catch (e) {
          if (!core.isToolError(e)) throw e;
          return { refused: e.message, code: e.code, has };
        }
      },
    }],
  });
}

describe("a core bound to each plugin", () => {
  it("a plugin writes the stamp keys it declared and no other; guard sees only the owner's", async () => {
    const h = await createHarness({
      builtins: defaultPlugins.filter((n) => n !== "types"), // the stand-in owns "validated" here
      plugins: {
        "fake-types": fakeValidatePlugin(),
        mine: marker("mine", ["reviewed"]),
        thief: marker("thief"),
      },
    });
    try {
      const ref = (await h.call("run", { prompt: "[[fake]] good" })).data.ref;
      const ok = await h.call("mine_mark", { ref, key: "reviewed", value: { by: "me" } });
      assert.deepEqual(ok.data.ref.stamps.reviewed, { by: "me" });
      assert.deepEqual(ok.data.has, { par: true, nope: false });
      for (const [tool, key] of [["mine_mark", "validated"], ["thief_mark", "reviewed"]]) {
        const r = await h.call(tool!, { ref, key, value: { type: "t", verdict: "VALID" } });
        assert.equal(r.data.code, "FORBIDDEN", `${tool} wrote "${key}"`);
        assert.match(r.data.refused, new RegExp(`Cannot stamp "${key}".*did not declare`));
      }
      // The forged verdict never landed: validated stays the owner's to write.
      const g = await h.call("guard", { ref, check: "validated" });
      assert.equal(g.data.code, "GUARD_FAILED", g.text);
      await h.call("validate", { artifact: { ref }, declared_type: "x" });
      const passed = await h.call("guard", { ref, check: "validated", value: "x" });
      assert.equal(passed.isError, false, passed.text);
    } finally {
      await h.dispose();
    }
  });

  it("one key declared by two plugins, or the core's cost, stops start-up", async () => {
    for (
      const [plugins, re] of [
        [{ a: marker("a", ["reviewed"]), b: marker("b", ["reviewed"]) }, /"reviewed".*plugin "a"/],
        [{ a: marker("a", ["cost"]) }, /stamp "cost" is written by the core only/],
        [{ a: marker("a", ["Bad Key"]) }, /"stamps" must be a list of keys/],
      ] as const
    ) {
      await assert.rejects(
        createHarness({ plugins: plugins as Record<string, PluginFactory> }),
        (e: Error) => e.name === "StartupError" && re.test(e.message),
      );
    }
  });
});
