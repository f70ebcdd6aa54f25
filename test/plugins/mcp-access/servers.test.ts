// The seed-004 server schema and ${VAR} expansion, as pure functions (the registry tests drive the
// same checks through list_mcps and run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  expand,
  FieldError,
  interpolate,
  parseServer,
} from "../../../src/plugins/mcp-access/servers.ts";

const field = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof FieldError, `not a FieldError: ${e}`);
    return e.field;
  }
  return "(accepted)";
};

describe("MCP server entries (seed 004)", () => {
  it("defaults: stdio, enabled, empty args/env/headers; unknown keys are dropped", () => {
    assert.deepEqual(parseServer({ command: "npx", extra: 1 }), {
      type: "stdio",
      enabled: true,
      command: "npx",
      args: [],
      env: {},
      headers: {},
    });
    const h = parseServer({ type: "http", url: "https://x.test/mcp", enabled: false });
    assert.equal(h.enabled, false);
    assert.equal(h.url, "https://x.test/mcp");
  });

  const table: [string, unknown, string][] = [
    ["not an object", "npx", "(entry)"],
    ["unknown type", { type: "websocket", url: "http://x" }, "type"],
    ["type not a string", { type: 3, command: "x" }, "type"],
    ["stdio without command", { type: "stdio" }, "command"],
    ["empty command", { command: "" }, "command"],
    ["http without url", { type: "http" }, "url"],
    ["sse without url", { type: "sse", headers: {} }, "url"],
    ["url not http(s)", { type: "http", url: "file:///etc/passwd" }, "url"],
    ["args not an array", { command: "x", args: "-y pkg" }, "args"],
    ["an arg not a string", { command: "x", args: ["a", 2] }, "args[1]"],
    ["env not an object", { command: "x", env: ["A=1"] }, "env"],
    ["env value not a string", { command: "x", env: { PORT: 8080 } }, "env.PORT"],
    ["env name invalid", { command: "x", env: { "A-B": "1" } }, "env.A-B"],
    [
      "header value not a string",
      { type: "http", url: "http://x", headers: { A: 1 } },
      "headers.A",
    ],
    ["enabled not boolean", { command: "x", enabled: "yes" }, "enabled"],
    ["url on a stdio server", { command: "x", url: "http://x" }, "url"],
    ["command on an http server", { type: "http", url: "http://x", command: "x" }, "command"],
    ["cwd not a string", { command: "x", cwd: 1 }, "cwd"],
    ["NUL in command", { command: "a\0b" }, "command"],
  ];
  for (const [what, raw, f] of table) {
    it(`refuses ${what}, naming the field "${f}"`, () =>
      assert.equal(field(() => parseServer(raw)), f));
  }
});

describe("${VAR} and ${VAR:-default} expansion", () => {
  const env = { TOKEN: "t0k", EMPTY: "", HOME: "/h" };
  it("expands set variables and defaults, as the shell does", () => {
    assert.equal(expand("Bearer ${TOKEN}", env, "x"), "Bearer t0k");
    assert.equal(expand("${MISSING:-fallback}/${TOKEN:-no}", env, "x"), "fallback/t0k");
    assert.equal(expand("${EMPTY:-d}|${EMPTY}|${MISSING:-}", env, "x"), "d||");
    assert.equal(expand("$TOKEN ${ not a var }", env, "x"), "$TOKEN ${ not a var }");
  });

  it("leaves no ${VAR} for the claude CLI to expand again in the container (its env holds the model key)", () => {
    for (const v of ["${UNSET:-$}{ANTHROPIC_API_KEY}", "${UNSET:-${}ANTHROPIC_API_KEY}", "${T}"]) {
      assert.throws(
        () => expand(v, { T: "${X}" }, "env.K"),
        (e: Error) =>
          e instanceof FieldError &&
          e.message ===
            `field "env.K" leaves a \${…} behind once expanded, which the claude CLI would expand again inside the agent's container; write the value without it`,
        v,
      );
    }
    assert.equal(expand("${UNSET:-$}{", {}, "x"), "${");
  });

  it("an unset variable without default fails closed with the field's path", () => {
    const s = parseServer({
      command: "${HOME}/bin/srv",
      args: ["--db", "${DB_PATH}"],
      env: { A: "${TOKEN}" },
    });
    assert.equal(field(() => interpolate(s, env)), "args[1]");
    assert.match(
      (() => {
        try {
          interpolate(s, env);
        } catch (e) {
          return (e as Error).message;
        }
      })()!,
      /field "args\[1\]" uses \$\{DB_PATH\}, which is not set and has no default/,
    );
    const ok = interpolate(s, { ...env, DB_PATH: "/data/x.db" });
    assert.deepEqual([ok.command, ok.args, ok.env], ["/h/bin/srv", ["--db", "/data/x.db"], {
      A: "t0k",
    }]);
    const h = parseServer({
      type: "http",
      url: "https://${HOST:-api.test}/mcp",
      headers: { Authorization: "Bearer ${GH}" },
    });
    assert.equal(field(() => interpolate(h, env)), "headers.Authorization");
    assert.equal(interpolate(h, { GH: "g" }).url, "https://api.test/mcp");
    assert.equal(
      field(() => interpolate(parseServer({ command: "x", cwd: "${NOPE}" }), env)),
      "cwd",
    );
  });
});
