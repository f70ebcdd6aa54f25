// Sealed refs in the live view (SWARM_ENCRYPT_ALL=1: each ref is encrypted as its agent ends). A
// failed agent's error quotes what it wrote (a result's text, a stderr tail), so once the ref is
// sealed neither the agent's JSON nor the page's SSE stream may carry that error, nor any other
// field the page does not show (structured output, host paths).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLog } from "../../../src/core/log.ts";
import type { HttpServer } from "../../../src/server/http.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { serveView } from "../../helpers/view-fetch.ts";
import { within } from "../../helpers/wait.ts";

const TOKEN = "web-sealed-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MARKER = ["SEALED", "WEB-3307"].join("-"); // spelled in two so no file holds it but the agent's

describe("web view of sealed refs", () => {
  let h: Harness;
  let server: HttpServer;
  const get = (path: string) =>
    fetch(`http://127.0.0.1:${server.port}/plugins/web${path}`, { headers: AUTH });
  before(async () => {
    configureLog("error", undefined);
    h = await createHarness({ env: { SWARM_ENCRYPT_ALL: "1" } });
    server = await serveView(h, TOKEN);
  });
  after(async () => {
    await server?.close();
    await h?.dispose();
  });

  it("a failed agent's error is not shown once sealed: not in /api/agent, not on the SSE stream", async () => {
    const res = await get("/events");
    const reader = res.body!.getReader();
    let seen = "";
    const finished = (async () => {
      while (!seen.includes('"type":"run.finished"')) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
    })();
    const r = await h.call("run", {
      prompt: `x [[fake fail="${MARKER} in the result" json="{\\"k\\":\\"${MARKER}\\"}"]]`,
    });
    assert.equal(r.data.status, "failed", r.text);
    // The error quoted the output; the seal replaced it on the ref the caller gets too.
    assert.ok(!r.text.includes(MARKER), r.text);
    assert.match(r.text, /removed when this ref was encrypted/, "the fixture made no error");
    await within(finished, 5000, "run.finished on the SSE stream");
    await reader.cancel();
    assert.match(seen, /"type":"agent\.finished"/);
    assert.ok(!seen.includes(MARKER), `the SSE stream shows sealed text: ${seen.slice(0, 800)}`);
    assert.ok(!seen.includes(h.dataDir), "the SSE stream shows a host path");
    const agent = await (await get(`/api/agent?ref=${r.data.ref}`)).text();
    assert.ok(!agent.includes(MARKER), `/api/agent shows sealed text: ${agent.slice(0, 800)}`);
    const d = JSON.parse(agent);
    assert.equal(d.agent.encrypted, true);
    assert.equal(d.error, "(encrypted)");
    const run = await (await get(`/api/run?id=${r.data.run_id}`)).text();
    assert.ok(!run.includes(MARKER), `/api/run shows sealed text: ${run.slice(0, 800)}`);
  });
});
