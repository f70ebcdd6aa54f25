// ajv keeps one tester per pattern under the key toString() gives, and the tester safePattern made
// had none of its own ("[object Object]"): from the first pattern the server compiled on, every
// "pattern" of every schema was tested with that first one. An agent's output then passed a
// pattern it breaks and failed one it meets.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("each pattern is tested with itself", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(async () => {
    await h?.dispose();
    if (h) await rm(h.dataDir, { recursive: true, force: true });
  });
  const valid = async (schema: object, value: unknown) => {
    const r = await h.call("check_schema", { schema, value });
    assert.equal(r.isError, false, r.text);
    return r.data.valid as boolean;
  };

  it("across calls and within one schema", async () => {
    assert.equal(await valid({ pattern: "^a$" }, "a"), true);
    assert.equal(await valid({ pattern: "^b$" }, "b"), true);
    assert.equal(await valid({ pattern: "^b$" }, "a"), false);
    const two = {
      properties: { x: { pattern: "^x+$" }, y: { pattern: "^y+$" } },
      patternProperties: { "^z": { pattern: "^z+$" } },
    };
    assert.equal(await valid(two, { x: "xx", y: "yy", z1: "zz" }), true);
    assert.equal(await valid(two, { x: "yy", y: "yy" }), false);
    assert.equal(await valid(two, { x: "xx", y: "xx" }), false);
    assert.equal(await valid(two, { z1: "xx" }), false);
    // The same pattern in two schemas is one tester, and a lookahead (JavaScript's engine) too.
    assert.equal(await valid({ pattern: "^(?=.*\\d)\\w+$" }, "a1"), true);
    assert.equal(await valid({ type: "string", pattern: "^(?=.*\\d)\\w+$" }, "ab"), false);
  });
});
