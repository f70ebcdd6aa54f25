import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { loadPlugins, readManifest, StartupError } from "../../src/core/loader.ts";
import { ToolRegistry } from "../../src/core/registry.ts";
import { errorResult, ToolError } from "../../src/core/errors.ts";
import type { Core } from "../../src/core/types.ts";

const core = { v } as unknown as Core;
const good = (name: string) => () => ({
  name,
  tools: [{
    name: `${name}_tool`,
    description: "A tool for the loader tests",
    input: v.object({}),
    run: async () => "ok",
  }],
});

async function manifestFile(content: string) {
  const dir = await mkdtemp(join(tmpdir(), "manifest-"));
  const path = join(dir, "m.json");
  await writeFile(path, content);
  return { dir, path };
}

describe("loader", () => {
  it("loads built-ins and file plugins relative to the manifest", async () => {
    const { dir, path } = await manifestFile(JSON.stringify({ plugins: ["builtin:a", "./p.mjs"] }));
    await writeFile(
      join(dir, "p.mjs"),
      `export default (core) => ({ name: "file-plugin", tools: [{ name: "f", description: "From a file plugin", input: core.v.object({}), run: async () => 1 }] });`,
    );
    const loaded = await loadPlugins(await readManifest(path), { a: good("a") }, core);
    assert.deepEqual(loaded.map((l) => l.plugin.name), ["a", "file-plugin"]);
  });

  it("stops start-up with one clear line per problem", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['{"plugins": ["builtin:zzz"]}', {}, /Cannot load plugin "builtin:zzz": no such built-in/],
      [
        '{"plugins": ["./missing.ts"]}',
        {},
        /Cannot load plugin "\.\/missing\.ts" from .*missing\.ts/,
      ],
      ['{"plugins": ["builtin:x"]}', { x: 42 }, /default export is not a function/],
      ['{"plugins": ["builtin:x"]}', {
        x: () => ({
          name: "x",
          tools: [{ name: "t", description: "", input: v.object({}), run() {} }],
        }),
      }, /tool "t" needs a description/],
      ['{"plugins": ["builtin:x"]}', {
        x: () => ({
          name: "x",
          tools: [{ name: "t", description: "long enough text", input: {}, run() {} }],
        }),
      }, /valibot schema/],
      ['{"plugins": ["builtin:x"]}', {
        x: () => {
          throw new Error("boom");
        },
      }, /factory threw: boom/],
      [
        '{"plugins": ["builtin:a", "builtin:b"]}',
        { a: good("a"), b: good("a") },
        /already named "a"/,
      ],
      ['{"plugins": "nope"}', {}, /expected \{"plugins"/],
      ["{not json", {}, /Cannot parse manifest/],
    ];
    for (const [content, builtins, re] of cases) {
      const { path } = await manifestFile(content);
      await assert.rejects(
        readManifest(path).then((m) => loadPlugins(m, builtins as never, core)),
        (e) => e instanceof StartupError && re.test(e.message) && !e.message.includes("\n"),
        re.source,
      );
    }
    await assert.rejects(readManifest("/no/such/manifest.json"), /Cannot read manifest/);
  });

  it("refuses duplicate tool names", () => {
    const r = new ToolRegistry();
    const t = good("a")().tools[0]!;
    r.add("a", t as never);
    assert.throws(() => r.add("b", t as never), /already provided by plugin "a"/);
  });
});

describe("registry and errors", () => {
  it("invalid arguments name the field", async () => {
    const r = new ToolRegistry();
    r.add("p", {
      name: "t",
      description: "typed tool",
      input: v.object({ n: v.number(), deep: v.object({ s: v.string() }) }),
      run: async () => 1,
    });
    await assert.rejects(
      r.invoke("t", { n: "x", deep: { s: 1 } }, { signal: new AbortController().signal }),
      (e) => {
        assert.ok(e instanceof ToolError && e.code === "INVALID_INPUT");
        assert.match(e.message, /Invalid arguments for t: n: .*; deep\.s: /);
        return true;
      },
    );
    await assert.rejects(
      r.invoke("nope", {}, { signal: new AbortController().signal }),
      (e) => e instanceof ToolError && e.code === "NOT_FOUND",
    );
  });

  it("maps ToolError, aborts and bugs to isError results; bugs keep the stack on stderr only", () => {
    const logged: string[] = [];
    const a = errorResult(
      "t",
      new ToolError("NOT_FOUND", "Cannot find x", { ref: "r" }),
      (m) => logged.push(m),
    );
    assert.deepEqual(a, {
      content: [{ type: "text", text: "Cannot find x" }],
      structuredContent: { error: { code: "NOT_FOUND", ref: "r" } },
      isError: true,
    });
    const b = errorResult("t", new DOMException("x", "AbortError"), (m) => logged.push(m));
    assert.equal((b.structuredContent as { error: { code: string } }).error.code, "CANCELLED");
    const c = errorResult(
      "map",
      new TypeError("undefined is not a function"),
      (m) => logged.push(m),
    );
    assert.match(
      c.content[0]!.text,
      /^Internal error in tool "map" \(incident [0-9a-f-]+\): see the server log$/,
    );
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /TypeError: undefined is not a function/);
  });
});
