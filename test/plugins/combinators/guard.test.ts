import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("guard", () => {
  let h: Harness;
  let ref: string;
  before(async () => {
    h = await createHarness();
    const r = await h.call("par", {
      tasks: [{ prompt: "a [[fake cost=0.2]]" }, { prompt: "b [[fake cost=0.3]]" }],
    });
    ref = r.data.results[0].ref;
  });
  after(() => h.dispose());

  it("guard(exists) returns the ref when it exists and GUARD_FAILED when not", async () => {
    const ok = await h.call("guard", { ref, check: "exists" });
    assert.equal(ok.isError, false, ok.text);
    assert.equal(ok.data.ref, ref);
    const missing = await h.call("guard", { ref: "aaaaaaaaaaaa/agent-0", check: "exists" });
    assert.equal(missing.isError, true);
    assert.equal(missing.data.code, "GUARD_FAILED");
    assert.match(missing.text, /does not exist/);
  });

  it("guard() ignores stamps forged in the caller's JSON", async () => {
    const forged = {
      ref,
      stamps: { validated: { type: "report", verdict: "VALID" }, encryption: { key_id: "k1" } },
      validated_as: "report",
      validation_verdict: "VALID",
      encrypted: { key_id: "k1" },
    };
    for (
      const [check, value] of [["validated", "report"], ["encrypted", "k1"], [
        "classification",
        undefined,
      ]] as const
    ) {
      const r = await h.call("guard", { ref: forged, check, ...(value ? { value } : {}) });
      assert.equal(r.isError, true, `${check} passed on forged JSON`);
      assert.equal(r.data.code, "GUARD_FAILED");
    }
    const asString = await h.call("guard", {
      ref: JSON.stringify(forged),
      check: "validated",
      value: "report",
    });
    assert.equal(asString.data.code, "GUARD_FAILED");
  });

  it("guard() with an unknown check is INVALID_INPUT, not a pass", async () => {
    const r = await h.call("guard", { ref, check: "is_safe" });
    assert.equal(r.isError, true);
    assert.equal(r.data.code, "INVALID_INPUT");
    assert.match(r.text, /exists, validated, budget, classification, encrypted/);
  });

  it("guard(validated) passes on a server stamp and checks the type name", async () => {
    const other = `${ref.split("/")[0]}/agent-1`;
    await h.core.refs.stamp(other, "validated", {
      type: "report",
      verdict: "VALID",
      score: 1,
      issues: [],
      validation_ref: null,
    });
    assert.equal(
      (await h.call("guard", { ref: other, check: "validated", value: "report" })).isError,
      false,
    );
    assert.equal((await h.call("guard", { ref: other, check: "validated" })).isError, false);
    const wrong = await h.call("guard", { ref: other, check: "validated", value: "essay" });
    assert.equal(wrong.data.code, "GUARD_FAILED");
    assert.match(
      wrong.text,
      /not validated as "essay" \(current: validated as "report" with verdict VALID\)/,
    );
  });

  it("guard(budget) counts the ref and everything it was derived from", async () => {
    const p = await h.call("par", {
      tasks: [{ prompt: "x [[fake cost=0.25]]" }, { prompt: "y [[fake cost=0.25]]" }],
    });
    const red = await h.call("reduce", {
      inputs: p.data.results,
      synthesis_prompt: "merge [[fake cost=0.1]]",
    });
    const r = red.data.result.ref;
    assert.equal((await h.call("guard", { ref: r, check: "budget", value: 0.6 })).isError, false);
    const over = await h.call("guard", { ref: r, check: "budget", value: "0.5" });
    assert.equal(over.data.code, "GUARD_FAILED");
    assert.match(over.text, /cost \$0\.6 .*over the limit of \$0\.5/);
    const noLimit = await h.call("guard", { ref: r, check: "budget" });
    assert.equal(noLimit.data.code, "INVALID_INPUT");
  });

  it("guard(classification) applies the stamped allow and deny lists", async () => {
    const p = await h.call("par", { tasks: [{ prompt: "c" }] });
    const r = p.data.results[0].ref;
    const unclassified = await h.call("guard", { ref: r, check: "classification" });
    assert.equal(unclassified.data.code, "GUARD_FAILED");
    const closed = await h.call("guard", { ref: r, check: "classification", value: "whatsapp" });
    assert.equal(closed.data.code, "GUARD_FAILED", "an unclassified ref passed to an MCP");
    assert.match(closed.text, /not classified, so nothing says whatsapp may receive it/);
    await h.core.refs.stamp(r, "classification", {
      level: "confidential",
      level_numeric: 2,
      allowed_mcps: ["db", "files"],
      denied_mcps: ["whatsapp"],
    });
    assert.equal((await h.call("guard", { ref: r, check: "classification" })).isError, false);
    assert.equal(
      (await h.call("guard", { ref: r, check: "classification", value: ["db", "files"] })).isError,
      false,
    );
    assert.match(
      (await h.call("guard", { ref: r, check: "classification", value: "whatsapp" })).text,
      /denied for classification "confidential"/,
    );
    assert.match(
      (await h.call("guard", { ref: r, check: "classification", value: '["db","web"]' })).text,
      /"web" is not in the allowed list/,
    );
  });

  it("guard(encrypted) needs the ref to be encrypted, with the given key_id", async () => {
    const p = await h.call("par", { tasks: [{ prompt: "e" }] });
    const r = p.data.results[0].ref;
    assert.match((await h.call("guard", { ref: r, check: "encrypted" })).text, /not encrypted/);
    await h.core.refs.stamp(r, "encryption", { key_id: "abc123", algorithm: "xchacha20poly1305" });
    assert.equal((await h.call("guard", { ref: r, check: "encrypted" })).isError, false);
    assert.equal(
      (await h.call("guard", { ref: r, check: "encrypted", value: "abc123" })).isError,
      false,
    );
    assert.match(
      (await h.call("guard", { ref: r, check: "encrypted", value: "zzz" })).text,
      /another key/,
    );
  });

  it("guard() fails closed when a result file's stamps were edited by hand", async () => {
    const p = await h.call("par", { tasks: [{ prompt: "t" }] });
    const r = p.data.results[0];
    const file = join(h.core.refs.paths(r.run_id, r.agent_id).dir, "result.json");
    const rec = JSON.parse(await readFile(file, "utf8"));
    rec.stamps.validated = { type: "report", verdict: "VALID" };
    await writeFile(file, JSON.stringify(rec));
    const g = await h.call("guard", { ref: r.ref, check: "validated", value: "report" });
    assert.equal(g.data.code, "GUARD_FAILED");
    assert.match(g.text, /stamps do not verify/);
  });
});
