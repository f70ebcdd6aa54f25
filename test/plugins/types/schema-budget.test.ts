// A caller's JSON Schema runs in the server, synchronously, against values a caller or an agent
// chose. On the compiled binary: a schema that applies its parts 2^34 times, uniqueItems over
// 100,000 objects, patterns that backtrack, and schemas or values nested 100,000 deep each get an
// answer within seconds and a sentence (before: the first froze the server for minutes, the second
// for about a minute, the patterns for hours, the deep ones were INTERNAL errors), and the server
// answers the next call.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binarySkip } from "../../helpers/binary.ts";
import { createHarness } from "../../helpers/harness.ts";
import { type RawServer, startRaw } from "../../helpers/raw-stdio.ts";

/** {"$defs": {d0: {allOf: [ref d1, ref d1]}, …}}: each level doubles the checks. */
function doubling(levels: number) {
  const $defs: Record<string, unknown> = { [`d${levels}`]: { type: "string" } };
  for (let i = 0; i < levels; i++) {
    $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
  }
  return { $defs, $ref: "#/$defs/d0" };
}
const nestedSchema = (n: number) => '{"not":'.repeat(n) + "{}" + "}".repeat(n);
const nestedArray = (n: number) => "[".repeat(n) + "]".repeat(n);

describe("check_schema is bounded in time on the binary", { skip: binarySkip }, () => {
  let s: RawServer;
  let dataDir: string;
  let id = 0;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "swarm-schema-budget-"));
    s = await startRaw([], { SWARM_DATA_DIR: dataDir });
    await s.initialize();
  });
  after(async () => {
    s?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** One tools/call written as raw JSON text (a 100,000-deep value is no object to stringify). */
  async function call(args: string, ms = 10_000, tool = "check_schema") {
    const n = ++id;
    const t0 = Date.now();
    await s.write(
      `{"jsonrpc":"2.0","id":${n},"method":"tools/call","params":{"name":"${tool}","arguments":${args}}}\n`,
    );
    const m = await s.next(`answer to ${tool} #${n}`, (m) => m.id === n, ms);
    const r = m.result;
    return {
      ...r,
      isError: r.isError === true,
      text: r.content[0].text as string,
      ms: Date.now() - t0,
    };
  }

  it("a schema that repeats itself through $ref is stopped at its step budget", async () => {
    const r = await call(JSON.stringify({ schema: doubling(34), value: "x" }));
    assert.equal(r.isError, false, r.text);
    assert.equal(r.structuredContent.valid, false);
    assert.match(r.structuredContent.errors[0], /takes too many steps for this value.*simplify/);
    assert.ok(r.ms < 5000, `answered in ${r.ms} ms`);
    // The same schema with few levels is checked as before.
    const ok = await call(JSON.stringify({ schema: doubling(8), value: "x" }));
    assert.deepEqual(ok.structuredContent, { valid: true, errors: [] });
    const bad = await call(JSON.stringify({ schema: doubling(8), value: 1 }));
    assert.equal(bad.structuredContent.valid, false);
    assert.match(bad.structuredContent.errors[0], /must be string/);
  });

  it("uniqueItems over 100,000 objects answers in seconds, with ajv's meaning of equal", async () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ a: i, b: [i, { c: "x" }] }));
    const unique = await call(JSON.stringify({ schema: { uniqueItems: true }, value: items }));
    assert.deepEqual(unique.structuredContent, { valid: true, errors: [] });
    assert.ok(unique.ms < 5000, `answered in ${unique.ms} ms`);
    items.push({ b: [7, { c: "x" }], a: 7 }); // equal to items[7], its keys in another order
    const dup = await call(JSON.stringify({ schema: { uniqueItems: true }, value: items }));
    assert.equal(dup.structuredContent.valid, false, dup.text);
    const small = { schema: { type: "array", uniqueItems: true } };
    for (const [value, valid] of [[[1, "1", true, null], true], [[1, 2, 1], false], [[], true]]) {
      const r = await call(JSON.stringify({ ...small, value }));
      assert.equal(r.structuredContent.valid, valid, JSON.stringify(value));
    }
  });

  it("patterns that backtrack in JavaScript's engine answer at once", async () => {
    for (
      const [pattern, value] of [
        ["^.*a.*a.*a.*a$", "a".repeat(9_999) + "b"],
        ["^(a|a)*$", "a".repeat(60) + "!"],
        ["^(a+){1,40}$", "a".repeat(60) + "!"],
      ]
    ) {
      const r = await call(JSON.stringify({ schema: { type: "string", pattern }, value }));
      assert.equal(r.structuredContent.valid, false, r.text);
      assert.ok(r.ms < 3000, `${pattern}: answered in ${r.ms} ms`);
    }
    const ok = await call(JSON.stringify({ schema: { pattern: "^(?=.*\\d)\\w+$" }, value: "a1" }));
    assert.deepEqual(ok.structuredContent, { valid: true, errors: [] }, "a lookahead still works");
  });

  it("a $ref or $schema naming a URL is refused, never fetched", async () => {
    let hits = 0;
    const srv = createServer((_, res) => (hits++, res.end('{"type":"string"}')));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      for (
        const schema of [
          { $ref: `${base}/s.json` },
          { $id: `${base}/root.json`, properties: { a: { $ref: "other.json" } } },
          { $schema: `${base}/meta`, type: "string" },
        ]
      ) {
        const r = await call(JSON.stringify({ schema, value: "x" }));
        assert.equal(r.isError, true, r.text);
        assert.match(r.text, /^Cannot use "output_schema": it is not a usable JSON Schema \(/);
      }
      assert.equal(hits, 0, "the server fetched a schema");
    } finally {
      srv.close();
    }
  });

  it("a schema or value nested 100,000 deep is a sentence, not an internal error", async () => {
    const deepSchema = await call(`{"schema":${nestedSchema(100_000)}}`);
    assert.equal(deepSchema.isError, true, deepSchema.text);
    assert.equal(deepSchema.structuredContent.error.code, "INVALID_INPUT", deepSchema.text);
    assert.match(
      deepSchema.text,
      /^Cannot use "output_schema": .*nested too deeply.*fix the schema/,
    );
    const deepValue = await call(
      `{"schema":{"type":"array","items":{"$ref":"#"}},"value":${nestedArray(100_000)}}`,
    );
    assert.equal(deepValue.isError, false, deepValue.text);
    assert.equal(deepValue.structuredContent.valid, false);
    assert.match(deepValue.structuredContent.errors[0], /nested too deeply/);
    // As an agent's output_schema: refused before any run starts (it was an INTERNAL error mid-run).
    for (
      const [tool, args] of [
        ["run", `{"prompt":"x","output_schema":${nestedSchema(100_000)}}`],
        [
          "pipeline",
          `{"definition":{"steps":[{"prompt":"x","output_schema":${nestedSchema(100_000)}}]}}`,
        ],
      ]
    ) {
      const r = await call(args!, 10_000, tool);
      assert.equal(r.isError, true, r.text);
      assert.deepEqual(r.structuredContent.error, { code: "INVALID_INPUT" }, r.text);
      assert.match(r.text, /output_schema": it is nested too deeply; flatten the schema/);
    }
    const after = await call(JSON.stringify({ schema: { type: "number" }, value: 1 }));
    assert.deepEqual(after.structuredContent, { valid: true, errors: [] });
    assert.equal(await s.exited(10), "running");
  });
});

describe("an agent's structured output against a schema that repeats itself", () => {
  it("fails the ref within the budget instead of holding the server; patterns count too", async () => {
    const h = await createHarness({});
    try {
      // Each level of array the agent nests doubles the checks: 2^29 of them before the budget.
      const schema = { type: "array", items: { allOf: [{ $ref: "#" }, { $ref: "#" }] } };
      const json = JSON.stringify(nestedArray(29)).slice(1, -1);
      const t0 = Date.now();
      const r = await h.call("run", { prompt: `x [[fake json="${json}"]]`, output_schema: schema });
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.equal(r.data.status, "failed", r.text);
      assert.match(r.data.error, /does not match output_schema \(\(root\) could not be checked/);
      // Patterns count too: 200 strings of 10,000 characters, each ~2,400 threads per character.
      const long = JSON.stringify(Array.from({ length: 200 }, () => "a".repeat(10_000)));
      const t1 = Date.now();
      const p = await h.call("check_schema", {
        schema: { items: { pattern: "[a-z]{1,1200}[a-z]{1,1200}!x" } },
        value: JSON.parse(long),
      });
      assert.ok(Date.now() - t1 < 3000, `took ${Date.now() - t1} ms`);
      assert.match(p.data.errors[0], /could not be checked: the schema takes too many steps/);
    } finally {
      await h.dispose();
      await rm(h.dataDir, { recursive: true, force: true });
    }
  });
});
