// [type-name] resolution: depth, cycles, "see above", unknown names.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hasRefs, resolveRefs } from "../../../src/plugins/types/resolve.ts";

const table: Record<string, string> = {
  report: "A report with a [summary] and [risks]. Ends with a [summary] again.",
  summary: "One paragraph.",
  risks: "At least 3 [risk] items.",
  risk: "A [severity] and a [mitigation].",
  severity: "low, medium or high, see [scale]",
  mitigation: "What to do.",
  scale: "the deepest level",
  a: "A needs [b].",
  b: "B needs [a] and [self].",
  self: "I mention [self].",
};
const lookup = (name: string) => Promise.resolve(table[name] ?? null);

describe("type references", () => {
  it("inlines the first occurrence and points back to it afterwards", async () => {
    const out = await resolveRefs("Produce [summary], then [summary].", lookup);
    assert.equal(out, "Produce **summary**: One paragraph., then **summary** (see above).");
  });

  it("resolves recursively to depth 3 and leaves deeper references as written", async () => {
    const out = await resolveRefs("[risks]", lookup);
    assert.equal(
      out,
      "**risks**: At least 3 **risk**: A **severity**: low, medium or high, see [scale] and a **mitigation**: What to do.. items.",
    );
    assert.equal(await resolveRefs("[risks]", lookup, 1), "**risks**: At least 3 [risk] items.");
  });

  it("stops cycles: a name already inlined is never expanded again", async () => {
    const out = await resolveRefs("[a]", lookup);
    assert.equal(
      out,
      // self is three levels down: its own reference is past the depth and stays as written
      "**a**: A needs **b**: B needs **a** (see above) and **self**: I mention [self]...",
    );
    // The top-level name counts as seen (get_type_definition passes it).
    assert.equal(
      await resolveRefs(table.self!, lookup, 3, new Set(["self"])),
      "I mention **self** (see above).",
    );
  });

  it("leaves unknown names and non-name brackets as written", async () => {
    const text = "Use [nope], a [link](http://x), [two words] and [summary].";
    assert.equal(
      await resolveRefs(text, lookup),
      "Use [nope], a [link](http://x), [two words] and **summary**: One paragraph..",
    );
    // Each name is read from the search paths once, however often the text names it.
    const asked: string[] = [];
    const counting = (name: string) => (asked.push(name), lookup(name));
    await resolveRefs("[nope] ".repeat(1000) + "[summary] [risks] [summary]", counting);
    assert.deepEqual(asked, ["nope", "summary", "risks", "risk", "severity", "mitigation"]);
    assert.equal(hasRefs("plain text"), false);
    assert.equal(hasRefs("see [summary]"), true);
  });
});
