// "Plugins receive the core and never import it": no file under src/plugins/ or plugins/ has a
// run-time import of src/core (only `import type`/`export type`, which the compiler erases). A
// plugin that imported a core module would hold a second copy of its state and classes when loaded
// as a file, and would tie the core's insides to every plugin.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname!, "../..");
const CORE = join(ROOT, "src", "core");

/** Every module specifier a file loads at run time: static imports and re-exports that are not
 * type-only (`import { type A }` still loads the module), side-effect imports, import() calls. */
export function runtimeSpecifiers(source: string): string[] {
  const found: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?(?:[^;"'`]*?\s+from\s+)?["']([^"']+)["']/gm;
  for (const m of source.matchAll(statement)) if (!m[2]) found.push(m[3]!);
  for (const m of source.matchAll(/\bimport\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) found.push(m[1]!);
  for (const m of source.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) found.push(m[1]!);
  return found;
}

/** The specifiers of `source` (a file at `file`) that resolve into src/core. */
export function coreImports(file: string, source: string): string[] {
  return runtimeSpecifiers(source).filter((s) => {
    if (!s.startsWith(".") && !s.startsWith("/")) return false; // a package or node: builtin
    const target = resolve(dirname(file), s);
    return target === CORE || target.startsWith(CORE + sep);
  });
}

async function sources(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  return names.filter((n) => /\.(ts|js|mjs)$/.test(n)).map((n) => join(dir, n));
}

describe("plugins import no core module at run time", () => {
  it("the scanner catches each way of importing (so the tree check below can fail)", () => {
    const file = join(ROOT, "src", "plugins", "x", "index.ts");
    const planted = [
      'import { fail } from "../../core/errors.ts";',
      'import {\n  type Core,\n  fail,\n} from "../../core/types.ts";',
      'import * as errors from "../../core/errors.ts";',
      'import "../../core/log.ts";',
      'export { fail } from "../../core/errors.ts";',
      'const m = await import("../../core/spawn.ts");',
      'import { within } from "../../core/container-policy.ts";',
    ];
    for (const line of planted) {
      assert.equal(coreImports(file, line).length, 1, `missed: ${line}`);
    }
    const allowed = [
      'import type { Core } from "../../core/types.ts";',
      'import type {\n  Core,\n  Tool,\n} from "../../core/types.ts";',
      'export type { Core } from "../../core/types.ts";',
      'import { join } from "node:path";',
      'import { refuse } from "./runtime-error.ts";',
      'const s = "see src/core/image.ts"; // import text inside a string is no import',
    ];
    for (const line of allowed) assert.deepEqual(coreImports(file, line), [], line);
  });

  it("no file under src/plugins/ or plugins/ imports src/core except for types", async () => {
    const files = [
      ...await sources(join(ROOT, "src", "plugins")),
      ...await sources(join(ROOT, "plugins")),
    ];
    assert.ok(files.length > 40, `found only ${files.length} plugin files: wrong root?`);
    const offenders: string[] = [];
    for (const f of files) {
      const hits = coreImports(f, await readFile(f, "utf8"));
      for (const h of hits) offenders.push(`${relative(ROOT, f)} imports ${h}`);
    }
    assert.deepEqual(
      offenders,
      [],
      "plugins receive the core (a `core` argument) and never import it",
    );
  });
});
