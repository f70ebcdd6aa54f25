// The protocol stays at the edge: only src/server/ imports the MCP SDK, and the core never
// imports src/server/ (the core knows tools and runs, not transports).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...await sources(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

describe("the MCP SDK boundary", () => {
  it("only src/server/ imports @modelcontextprotocol/*; src/core never imports src/server", async () => {
    const files = [...await sources(join(ROOT, "src")), ...await sources(join(ROOT, "plugins"))];
    assert.ok(files.length > 30, `found only ${files.length} source files`);
    const sdk: string[] = [];
    const coreToServer: string[] = [];
    for (const f of files) {
      const rel = relative(ROOT, f);
      const text = await readFile(f, "utf8");
      if (/from\s+["']@modelcontextprotocol\//.test(text) && !rel.startsWith("src/server/")) {
        sdk.push(rel);
      }
      if (rel.startsWith("src/core/") && /from\s+["'][./]*\/server\//.test(text)) {
        coreToServer.push(rel);
      }
    }
    assert.deepEqual(sdk, [], "these import the MCP SDK outside src/server/");
    assert.deepEqual(coreToServer, [], "these core files import src/server/");
    assert.ok(
      files.some((f) => relative(ROOT, f) === join("src", "server", "mcp.ts")),
      "src/server/mcp.ts exists",
    );
  });
});
