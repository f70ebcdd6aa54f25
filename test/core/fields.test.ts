// Sandbox fields contributed by plugins and strict tool inputs, on the registry and the sandbox
// table directly: an unknown argument is refused by name at the top level of any tool, a field a
// plugin adds later is taken by every agent-starting tool, and a field is declared once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { isToolError } from "../../src/core/errors.ts";
import { ToolRegistry } from "../../src/core/registry.ts";
import { createSandboxes } from "../../src/core/sandbox.ts";
import type { SandboxField, Tool } from "../../src/core/types.ts";
import { builtinFields } from "../helpers/fields.ts";
// Its SandboxSpec.ticket: `deno test` type-checks this file's imports only, not the whole tree.
import type {} from "../fixtures/plugins/ticket.ts";

const signal = new AbortController().signal;
const refused = (pattern: RegExp) => (e: unknown) => {
  assert.ok(isToolError(e) && e.code === "INVALID_INPUT", String(e));
  assert.match(e.message, pattern);
  return true;
};
const echo = (name: string, extra: Partial<Tool> = {}): Tool => ({
  name,
  description: "returns its arguments",
  input: v.object({ n: v.optional(v.number(), 1) }),
  run: (args) => Promise.resolve(args),
  ...extra,
});
const ticket: SandboxField = {
  name: "ticket",
  schema: v.pipe(v.string(), v.regex(/^[A-Z]+-\d+$/), v.description("A ticket")),
  default: "NONE-0",
};

describe("strict tool inputs", () => {
  it("an unknown top-level argument is refused by name with the valid ones; nothing runs", async () => {
    const r = new ToolRegistry();
    let ran = 0;
    r.add("p", echo("t", { run: () => Promise.resolve(++ran) }));
    await assert.rejects(
      r.invoke("t", { n: 2, max_concurency: 3 }, { signal }),
      refused(
        /^Cannot call t with "max_concurency": there is no such argument; valid arguments: n$/,
      ),
    );
    await assert.rejects(r.invoke("t", JSON.parse('{"__proto__": {"x": 1}}'), { signal }));
    assert.equal(ran, 0);
    assert.equal(await r.invoke("t", { n: 2 }, { signal }), 1);
  });

  it("an agent-starting tool takes every field, also of a plugin loaded after it", async () => {
    const sandboxes = createSandboxes({ fields: builtinFields() });
    const r = new ToolRegistry((as) => sandboxes.inputs(as));
    r.add("p", echo("starts", { sandboxFields: "brief" }));
    sandboxes.addFields("late-plugin", [ticket]);
    assert.deepEqual(await r.invoke("starts", { ticket: "AB-1", model: "opus" }, { signal }), {
      n: 1,
      ticket: "AB-1",
      model: "opus",
    });
    await assert.rejects(
      r.invoke("starts", { tiket: "AB-1" }, { signal }),
      refused(/"tiket": there is no such argument; valid arguments: n, sandbox, agent, .*ticket$/),
    );
    await assert.rejects(r.invoke("starts", { ticket: 5 }, { signal }), refused(/ticket/));
    const plain = r.list().find((t) => t.name === "starts")!.input as unknown as {
      entries: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(plain.entries), ["n", "sandbox"], "a brief listing: no fields");
  });

  it("a tool's own argument wins over a field of the same name", async () => {
    const sandboxes = createSandboxes({});
    sandboxes.addFields("p", [{ ...ticket, name: "n" }]);
    const r = new ToolRegistry((as) => sandboxes.inputs(as));
    r.add("p", echo("t", { sandboxFields: "described" }));
    await assert.rejects(r.invoke("t", { n: "AB-1" }, { signal }), refused(/^Invalid arguments/));
  });
});

describe("sandbox fields declared once", () => {
  it("a plugin's field is checked by its schema, defaulted and copied", async () => {
    const s = createSandboxes({ fields: [ticket] });
    assert.equal((await s.resolve(undefined)).ticket, "NONE-0");
    assert.equal((await s.resolve({ ticket: "XY-12" })).ticket, "XY-12");
    await assert.rejects(s.resolve(undefined, { ticket: "xy" }), refused(/sandbox field "ticket"/));
    await assert.rejects(
      s.resolve(undefined, { tickets: "XY-1" }),
      refused(/"tickets": there is no such field; valid fields: .*ticket/),
    );
    const list = createSandboxes({ fields: builtinFields() });
    const a = await list.resolve(undefined);
    a.tools.push("Edit");
    assert.deepEqual((await list.resolve(undefined)).tools, [
      "Read",
      "Write",
      "Glob",
      "Grep",
      "Bash",
    ]);
  });

  it("a name is declared once: a second owner and a bad name are refused", () => {
    const s = createSandboxes({ fields: [ticket] });
    assert.throws(() => s.addFields("other", [ticket]), /"ticket" is already declared by/);
    const claude = createSandboxes({ fields: builtinFields() });
    assert.throws(
      () => claude.addFields("x", [builtinFields()[0]!]),
      /"model" is already declared/,
    );
    for (const name of ["Ticket", "__proto__", "", "a-b", "sandbox"]) {
      assert.throws(
        () => s.addFields("bad", [{ ...ticket, name }]),
        /needs a lowercase name/,
        JSON.stringify(name),
      );
    }
  });
});
