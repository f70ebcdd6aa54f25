// classify and its enforcement on a real core (fake runtime): an agent reading classified refs is
// refused before anything is created or queued when one of its MCP servers is denied or not
// allowed, or its network is not none for restricted data; derived refs inherit the strictest.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { strictest } from "../../../src/plugins/security/classify.ts";

describe("classify", () => {
  let h: Harness;
  const run = async () => {
    const r = await h.call("run", { prompt: `data [[fake text="figures"]]` });
    assert.equal(r.isError, false, r.text);
    return r.data.ref as string;
  };
  before(async () => {
    h = await createHarness();
    // The claude driver gives an agent only MCP servers the host's ~/.claude.json has.
    const servers = { slack: { command: "x" }, files: { command: "y" }, db: { command: "z" } };
    await mkdir(h.core.config.env.HOME!, { recursive: true });
    await writeFile(
      join(h.core.config.env.HOME!, ".claude.json"),
      JSON.stringify({ mcpServers: servers }),
    );
  });
  after(() => h.dispose());

  it('classify → guard(classification, ["slack"]) is refused with a clear sentence', async () => {
    const ref = await run();
    const c = await h.call("classify", { ref, level: "confidential", denied_mcps: ["slack"] });
    assert.equal(c.isError, false, c.text);
    assert.deepEqual(c.data.stamps.classification, {
      level: "confidential",
      level_numeric: 2,
      allowed_mcps: [],
      denied_mcps: ["slack"],
    });
    const g = await h.call("guard", { ref, check: "classification", value: ["slack"] });
    assert.equal(g.data.code, "GUARD_FAILED");
    assert.match(
      g.text,
      /Cannot pass guard "classification" for ref ".+": MCP "slack" is denied for classification "confidential"/,
    );
    assert.equal(
      (await h.call("guard", { ref, check: "classification", value: ["files"] })).isError,
      false,
    );
  });

  it("an unknown level is INVALID_INPUT, never level 0", async () => {
    const r = await h.call("classify", { ref: await run(), level: "secret" });
    assert.equal(r.data.code, "INVALID_INPUT");
    assert.match(r.text, /public, internal, confidential, restricted/);
  });

  const cases: [string, Record<string, unknown>, Record<string, unknown>, RegExp | null][] = [
    [
      "a denied MCP",
      { level: "internal", denied_mcps: ["slack"] },
      { mcps: ["slack"] },
      /MCP server "slack" is denied/,
    ],
    ["an MCP outside the allowed list", { level: "internal", allowed_mcps: ["files"] }, {
      mcps: ["db"],
    }, /"db" is not in its allowed list \(files\)/],
    [
      "restricted data on a network",
      { level: "restricted" },
      { network: true },
      /restricted data needs network none/,
    ],
    ["an allowed MCP", { level: "confidential", allowed_mcps: ["files"], denied_mcps: ["slack"] }, {
      mcps: ["files"],
    }, null],
    ["restricted data with network none", { level: "restricted" }, { network: false }, null],
  ];
  for (const [what, label, spec, refused] of cases) {
    it(`reduce over a classified ref: ${what} is ${refused ? "refused before any container starts" : "run"}`, async () => {
      const ref = await run();
      assert.equal((await h.call("classify", { ref, ...label })).isError, false);
      const started = h.runtime.started;
      const r = await h.call("reduce", {
        ...spec,
        inputs: [{ ref }, "plain"],
        synthesis_prompt: "merge",
      });
      if (!refused) {
        assert.equal(r.isError, false, r.text);
        assert.equal(
          r.data.result.stamps.classification.level,
          label.level,
          "the reducer's ref lost the label",
        );
        return;
      }
      assert.equal(r.data.code, "FORBIDDEN", r.text);
      assert.match(r.text, refused);
      assert.match(
        r.text,
        new RegExp(`Cannot start agent "reducer": its input "${ref}" is classified`),
      );
      assert.equal(h.runtime.started, started, "a container started");
      const id = r.data.run_id as string | undefined;
      const agents = id ? await readdir(join(h.core.refs.root, id)).catch(() => []) : [];
      assert.ok(!agents.includes("reducer"), "the refused reducer has a directory");
    });
  }

  it("a ref derived from a classified one inherits its label, so its readers are held to it too", async () => {
    const ref = await run();
    await h.call("classify", { ref, level: "internal", denied_mcps: ["slack"] });
    const first = await h.call("reduce", { inputs: [{ ref }], synthesis_prompt: "a" });
    assert.equal(first.data.result.stamps.classification.level, "internal");
    const second = await h.call("reduce", {
      mcps: ["slack"],
      inputs: [{ ref: first.data.result.ref }],
      synthesis_prompt: "b",
    });
    assert.equal(second.data.code, "FORBIDDEN", "the grandchild escaped the label");
  });

  it("strictest: highest level, every denial, the common allowed MCPs (none in common: none)", () => {
    const c = (level_numeric: number, allowed: string[], denied: string[]) => ({
      level: String(level_numeric),
      level_numeric,
      allowed_mcps: allowed,
      denied_mcps: denied,
    });
    assert.equal(strictest([]), undefined);
    assert.deepEqual(
      strictest([c(1, ["a", "b"], ["x"]), c(3, ["b", "c"], ["y"])]),
      c(3, ["b"], ["x", "y"]),
    );
    assert.deepEqual(strictest([c(0, ["a"], []), c(0, ["b"], [])])!.allowed_mcps, ["(none)"]);
    assert.deepEqual(strictest([c(2, [], []), c(0, ["a"], [])])!.allowed_mcps, ["a"]);
  });
});
