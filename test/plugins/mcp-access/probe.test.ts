// list_mcps(probe: true) really starts each enabled server on this host and counts its tools: the
// suite's stdio server under node, the same server over HTTP, and servers that cannot start.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
// @ts-ignore: a plain .mjs fixture without types
import { startHttpMcp } from "../../fixtures/mcp-server/server.mjs";

const SERVER = resolve(import.meta.dirname!, "../../fixtures/mcp-server/server.mjs");

describe("list_mcps probe", () => {
  let h: Harness;
  let http: { url: string; close(): Promise<void> };
  before(async () => {
    h = await createHarness({ env: { WORD: "w" } });
    http = await startHttpMcp({});
    const home = join(h.dataDir, "home");
    await mkdir(home, { recursive: true });
    await writeFile(
      join(home, ".claude.json"),
      JSON.stringify({
        mcpServers: {
          stdio: {
            command: process.execPath.endsWith("node") ? process.execPath : "node",
            args: [SERVER],
          },
          http: { type: "http", url: http.url },
          missing: { command: "/nonexistent/mcp-server" },
          silent: { command: "sleep", args: ["30"], enabled: true },
          off: { command: "node", args: [SERVER], enabled: false },
          needsvar: { command: "node", args: ["${NO_SUCH_VAR}"] },
        },
      }),
    );
  });
  after(async () => {
    await http?.close();
    await h?.dispose();
  });

  it("counts the tools of servers that start, and says why the others did not", async () => {
    const r = await h.call("list_mcps", { probe: true });
    assert.equal(r.isError, false, r.text);
    const p = Object.fromEntries(
      r.data.servers.map((s: { name: string; probe: unknown }) => [s.name, s.probe]),
    );
    assert.deepEqual(p.stdio, { ok: true, tools: 1 });
    assert.deepEqual(p.http, { ok: true, tools: 1 });
    assert.equal(p.missing.ok, false);
    assert.match(p.missing.error, /ENOENT/);
    assert.deepEqual(p.silent, { ok: false, error: "no answer within 10 s" });
    assert.deepEqual(p.off, { ok: false, error: "disabled" });
    assert.match(p.needsvar.error, /field "args\[0\]" uses \$\{NO_SUCH_VAR\}/);
    assert.equal((await h.call("list_mcps")).data.servers[0].probe, undefined, "no probe unasked");
  });
});
