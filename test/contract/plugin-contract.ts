// The conformance suite every plugin runs, built-in or third-party: names, descriptions, a
// described JSON Schema for every argument, prompt rejection on an aborted signal, and failures
// that surface as ToolError with a known code. Call testPlugin(name, factory) from a test file.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { isAbortError, isToolError } from "../../src/core/errors.ts";
import { logger } from "../../src/core/log.ts";
import { TOOL_NAME, ToolRegistry } from "../../src/core/registry.ts";
import type { ErrorCode, Plugin, PluginFactory, Tool, ToolContext } from "../../src/core/types.ts";
import { defaultPlugins } from "../../src/plugins/_registry.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/** Every ErrorCode; `satisfies` makes the compiler flag a code added to types.ts but not here. */
const CODES = {
  INVALID_INPUT: true,
  NOT_FOUND: true,
  FORBIDDEN: true,
  CANCELLED: true,
  TIMEOUT: true,
  QUEUE_TIMEOUT: true,
  BUDGET_EXCEEDED: true,
  AGENT_FAILED: true,
  DOCKER_UNAVAILABLE: true,
  IMAGE_UNAVAILABLE: true,
  GUARD_FAILED: true,
  TOO_LARGE: true,
  CONFLICT: true,
  INTERNAL: true,
} satisfies Record<ErrorCode, true>;
export const KNOWN_CODES = new Set(Object.keys(CODES));

const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PROMPTLY_MS = 1000;

export interface ContractOptions {
  /** Valid arguments per tool, so the aborted-signal checks reach the tool's own run(). */
  samples?: Record<string, Record<string, unknown>>;
  /** Built-ins loaded beside the plugin (default: every other built-in, for drivers and ctx.call). */
  with?: string[];
}

/** Reject with the error, or fail the test if the promise does not settle within `ms`. */
async function settle(
  p: Promise<unknown>,
  ms: number,
  what: string,
): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((
    _,
    reject,
  ) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)));
  try {
    return { ok: true, value: await Promise.race([p, timeout]) };
  } catch (error) {
    if (error instanceof Error && error.message.endsWith(`did not settle within ${ms} ms`)) {
      throw error;
    }
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** A failure the contract allows: a ToolError with a known code, or the signal's own AbortError. */
export function assertKnownFailure(error: unknown, what: string): void {
  if (isAbortError(error)) return;
  assert.ok(
    isToolError(error),
    `${what} threw ${(error as Error)?.name ?? typeof error}: ${
      (error as Error)?.message ?? error
    } (expected a ToolError)`,
  );
  assert.ok(KNOWN_CODES.has(error.code), `${what} threw unknown code ${error.code}`);
  assert.ok(error.message.length > 10, `${what} threw a ToolError without a useful message`);
}

function aborted(): AbortSignal {
  const c = new AbortController();
  c.abort(new DOMException("aborted by the contract test", "AbortError"));
  return c.signal;
}

export function testPlugin(
  name: string,
  factoryOrPlugin: PluginFactory | Plugin,
  opts: ContractOptions = {},
): void {
  describe(`plugin contract: ${name}`, () => {
    let h: Harness;
    let plugin: Plugin;
    let tools: Tool[];
    let registry: ToolRegistry;

    before(async () => {
      if (typeof factoryOrPlugin === "function") {
        h = await createHarness({
          builtins: opts.with ?? defaultPlugins.filter((n) => n !== name),
          plugins: { [name]: factoryOrPlugin },
        });
        plugin = h.handle.plugins.at(-1)!;
        registry = h.handle.registry; // with its neighbours, so ctx.call between tools works
      } else {
        h = await createHarness({ builtins: opts.with ?? [] });
        plugin = factoryOrPlugin;
        registry = new ToolRegistry();
        for (const t of plugin.tools ?? []) registry.add(plugin.name, t);
      }
      tools = plugin.tools ?? [];
    });
    after(() => h.dispose());

    it("has a lowercase plugin name", () => {
      assert.match(plugin.name, PLUGIN_NAME);
    });

    it("names its tools with /^[A-Za-z0-9_.-]{1,128}$/, each name once", () => {
      const names = tools.map((t) => t.name);
      for (const n of names) assert.match(n, TOOL_NAME);
      assert.equal(new Set(names).size, names.length, `duplicate tool names: ${names}`);
    });

    it("describes every tool in more than a few words", () => {
      for (const t of tools) {
        const d = t.description.trim();
        assert.ok(
          d.length >= 40 && d.split(/\s+/).length >= 6,
          `tool "${t.name}" needs a real description, got ${JSON.stringify(d)}`,
        );
        assert.notEqual(d.toLowerCase(), t.name.toLowerCase());
      }
    });

    it("publishes an object JSON Schema with a description on every argument", () => {
      for (const t of tools) {
        const schema = toJsonSchema(t.input, { errorMode: "ignore", target: "draft-2020-12" }) as {
          type?: string;
          properties?: Record<string, { description?: string }>;
        };
        assert.equal(schema.type, "object", `tool "${t.name}" input must be an object schema`);
        for (const [prop, s] of Object.entries(schema.properties ?? {})) {
          assert.ok(
            typeof s.description === "string" && s.description.trim().length >= 8,
            `tool "${t.name}" argument "${prop}" has no description`,
          );
        }
      }
    });

    it("gives annotations as booleans", () => {
      for (const t of tools) {
        for (const [k, x] of Object.entries(t.annotations ?? {})) {
          if (k !== "title") {
            assert.equal(typeof x, "boolean", `tool "${t.name}" annotation ${k}`);
          }
        }
      }
    });

    it("rejects promptly through the registry when the signal is already aborted", async () => {
      for (const t of tools) {
        const res = await settle(
          registry.invoke(t.name, opts.samples?.[t.name] ?? {}, { signal: aborted() }),
          PROMPTLY_MS,
          `${t.name} with an aborted signal`,
        );
        assert.equal(
          res.ok,
          false,
          `tool "${t.name}" resolved although the call was already cancelled`,
        );
        if (!res.ok) assertKnownFailure(res.error, `tool "${t.name}"`);
      }
    });

    it("starts no work when run() itself gets an aborted signal", async () => {
      for (const t of tools) {
        const sample = opts.samples?.[t.name];
        if (!sample) continue;
        const before = h.runtime.started;
        const ctx: ToolContext = {
          signal: aborted(),
          log: logger(`contract/${t.name}`),
          progress: () => {},
          call: (tool, a) => registry.invoke(tool, a, { signal: ctx.signal, depth: 1 }),
        };
        const res = await settle(
          Promise.resolve().then(() => t.run(v.parse(t.input, sample), ctx)),
          PROMPTLY_MS,
          `${t.name}.run with an aborted signal`,
        );
        if (!res.ok) assertKnownFailure(res.error, `tool "${t.name}"`);
        assert.equal(
          h.runtime.started,
          before,
          `tool "${t.name}" started a container although its call was cancelled`,
        );
      }
    });

    it("reports bad arguments as INVALID_INPUT", async () => {
      for (const t of tools) {
        const res = await settle(
          registry.invoke(t.name, "not an object", { signal: new AbortController().signal }),
          PROMPTLY_MS,
          `${t.name} with bad arguments`,
        );
        assert.equal(res.ok, false, `tool "${t.name}" accepted a string as its arguments`);
        if (!res.ok) {
          assertKnownFailure(res.error, `tool "${t.name}"`);
          assert.equal((res.error as { code?: string }).code, "INVALID_INPUT");
        }
      }
    });

    it("fails with a known ToolError code, never a bare exception, on empty or sample arguments", async () => {
      for (const t of tools) {
        for (
          const args of [{}, opts.samples?.[t.name]].filter(Boolean) as Record<string, unknown>[]
        ) {
          // Whatever the call does, it must end within a few seconds here (the fake runtime is instant).
          const signal = AbortSignal.timeout(3000);
          const res = await settle(
            registry.invoke(t.name, { ...args, wait_s: 2 }, { signal }),
            5000,
            `${t.name}(${JSON.stringify(args)})`,
          );
          if (!res.ok) {
            assertKnownFailure(res.error, `tool "${t.name}" with ${JSON.stringify(args)}`);
          }
        }
      }
    });
  });
}
