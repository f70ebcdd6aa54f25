// --http safety: loopback by default, a token required elsewhere, foreign Origin/Host refused,
// idle SSE streams kept open.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { ToolRegistry } from "../../src/core/registry.ts";
import { serveHttp } from "../../src/core/server.ts";

const info = { name: "swarm-mcp", version: "test" };
const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "0" } } };
const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };

function registry() {
  const r = new ToolRegistry();
  r.add("t", { name: "echo", description: "echo for tests", input: v.object({}), run: async () => "hi" });
  return r;
}

describe("HTTP transport security", () => {
  let server: Awaited<ReturnType<typeof serveHttp>>;
  let url: string;
  before(async () => {
    server = await serveHttp(registry(), info, { host: "127.0.0.1", port: 0, token: "s3cret" });
    url = `http://127.0.0.1:${server.port}/mcp`;
  });
  after(() => server.close());

  it("refuses to bind beyond loopback without a token", async () => {
    await assert.rejects(serveHttp(registry(), info, { host: "0.0.0.0", port: 0 }), /without a token/);
  });

  it("requires the bearer token when one is set", async () => {
    const no = await fetch(url, { method: "POST", headers, body: JSON.stringify(init) });
    assert.equal(no.status, 401);
    const wrong = await fetch(url, { method: "POST", headers: { ...headers, authorization: "Bearer nope" }, body: JSON.stringify(init) });
    assert.equal(wrong.status, 401);
    const ok = await fetch(url, { method: "POST", headers: { ...headers, authorization: "Bearer s3cret" }, body: JSON.stringify(init) });
    assert.equal(ok.status, 200);
    assert.ok(ok.headers.get("mcp-session-id"));
    await ok.body?.cancel();
  });

  it("refuses foreign Origin and Host headers (DNS rebinding)", async () => {
    const auth = { ...headers, authorization: "Bearer s3cret" };
    const origin = await fetch(url, { method: "POST", headers: { ...auth, origin: "https://evil.example" }, body: JSON.stringify(init) });
    assert.equal(origin.status, 403);
    const local = await fetch(url, { method: "POST", headers: { ...auth, origin: "http://localhost:3000" }, body: JSON.stringify(init) });
    assert.equal(local.status, 200);
    await local.body?.cancel();
  });

  it("keeps an idle SSE stream open past Bun's default 10 s idle timeout", { timeout: 30000 }, async () => {
    const auth = { ...headers, authorization: "Bearer s3cret" };
    const res = await fetch(url, { method: "POST", headers: auth, body: JSON.stringify(init) });
    const sid = res.headers.get("mcp-session-id")!;
    await res.body?.cancel();
    await fetch(url, { method: "POST", headers: { ...auth, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" }, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
    const sse = await fetch(url, { method: "GET", headers: { accept: "text/event-stream", authorization: "Bearer s3cret", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" } });
    assert.equal(sse.status, 200);
    const reader = sse.body!.getReader();
    // Read until the stream ends; chunks (a priming event) may arrive meanwhile.
    const closed = (async () => {
      try {
        while (!(await reader.read()).done);
        return "closed";
      } catch {
        return "errored";
      }
    })();
    const outcome = await Promise.race([closed, new Promise((r) => setTimeout(() => r("open"), 12000))]);
    assert.equal(outcome, "open");
    await reader.cancel();
  });
});
