import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fakeValidatePlugin } from "../../helpers/fake-validate.ts";
import { createHarness } from "../../helpers/harness.ts";
import { defaultPlugins } from "../../../src/plugins/_registry.ts";

// The built-ins without the types plugin: these tests bring a stand-in validate, or none.
const builtins = defaultPlugins.filter((n) => n !== "types");

describe("filter", () => {
  it("filter() says it needs the types plugin when no validate tool is loaded", async () => {
    const h = await createHarness({ builtins });
    try {
      const p = await h.call("par", { tasks: [{ prompt: "a" }] });
      const r = await h.call("filter", { refs: p.data.results, declared_type: "report" });
      assert.equal(r.isError, true);
      assert.equal(r.data.code, "NOT_FOUND");
      assert.match(r.text, /filter needs the types plugin/);
    } finally {
      await h.dispose();
    }
  });

  it("following that message's advice loads a validate tool (the plugin it names exists)", async () => {
    const filter = async (h: Awaited<ReturnType<typeof createHarness>>) => {
      const p = await h.call("par", { tasks: [{ prompt: "a" }] });
      return h.call("filter", { refs: p.data.results, declared_type: "report" });
    };
    const h = await createHarness({ builtins });
    const advice = await filter(h);
    await h.dispose();
    const entry = /add "builtin:([a-z-]+)" to the manifest/.exec(advice.text)?.[1];
    assert.ok(entry, advice.text);
    // The harness loads each name as the manifest entry "builtin:<name>", as the server does.
    const fixed = await createHarness({ builtins: [...builtins, entry] });
    try {
      const r = await filter(fixed);
      // validate answered: it looked for the type (and found none in this bare project).
      assert.match(r.data.rejected[0].issues[0], /^Cannot find type "report": no report\.md in /);
    } finally {
      await fixed.dispose();
    }
  });

  it("filter() keeps the refs that validate and rejects the others with the verdict", async () => {
    const validate = fakeValidatePlugin({ validWord: "good" });
    const h = await createHarness({ builtins, plugins: { "fake-types": validate } });
    try {
      const p = await h.call("par", {
        tasks: [{ prompt: 'x [[fake text="good report"]]' }, { prompt: 'y [[fake text="bad"]]' }, {
          prompt: 'z [[fake fail="crash"]]',
        }, { prompt: 'w [[fake text="good too"]]' }],
      });
      const r = await h.call("filter", { refs: p.data, declared_type: "report" });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.total, 4);
      assert.equal(r.data.valid, 2);
      assert.equal(r.data.invalid, 2);
      assert.deepEqual(r.data.results.map((x: { agent_id: string }) => x.agent_id), [
        "agent-0",
        "agent-3",
      ]);
      assert.equal(r.data.results[0].stamps.validated.verdict, "VALID");
      assert.deepEqual(
        r.data.rejected.map((x: { agent_id: string; verdict: string }) => [x.agent_id, x.verdict]),
        [["agent-1", "INVALID"], ["agent-2", "UNKNOWN"]],
      );
      assert.match(r.data.rejected[1].issues[0], /status failed/);
      assert.equal(validate.calls.length, 3); // the failed agent was not validated
    } finally {
      await h.dispose();
    }
  });
});
