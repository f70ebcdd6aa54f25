// A type in a project agents may write can name thousands of types ("[x1] [x2] …" in its 64 KiB),
// each lookup reading every search path; one resolution looks up at most MAX_LOOKUPS distinct
// names and leaves the rest as written (before: one lookup per distinct name, 6,000 per file).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_LOOKUPS, resolveRefs } from "../../../src/plugins/types/resolve.ts";

describe("type references: bounded lookups", () => {
  it("looks up at most MAX_LOOKUPS distinct names, known ones first come first inlined", async () => {
    const names = Array.from({ length: 6000 }, (_, i) => `m${i}`);
    const asked: string[] = [];
    const lookup = (name: string) => {
      asked.push(name);
      return Promise.resolve(name === "m1" || name === "m5999" ? `def of ${name}` : null);
    };
    const text = names.map((n) => `[${n}]`).join(" ");
    const out = await resolveRefs(text, lookup);
    assert.equal(asked.length, MAX_LOOKUPS);
    assert.deepEqual(asked, names.slice(0, MAX_LOOKUPS));
    assert.ok(out.startsWith("[m0] **m1**: def of m1 [m2] "), out.slice(0, 80));
    assert.ok(out.endsWith(" [m5998] [m5999]"), "a name past the bound stays as written");
  });
});
