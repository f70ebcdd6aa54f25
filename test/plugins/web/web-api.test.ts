// The web plugin's routes on the fake-runtime harness over real HTTP: the one-time login link and
// its cookie (plugin pages only, never /mcp), refusal without a token, the runs and run JSON, the
// SSE stream of a run's lifecycle, an encrypted ref shown without its plaintext, and cancel.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configureLog } from "../../../src/core/log.ts";
import type { HttpServer } from "../../../src/server/http.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { fetchView, serveView } from "../../helpers/view-fetch.ts";
import { within } from "../../helpers/wait.ts";

const TOKEN = "web-test-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MARKER = "PLAIN" + "TEXT-WEB-5521"; // spelled in two so no file holds it but the agent's

describe("web plugin routes", () => {
  let h: Harness;
  let server: HttpServer;
  let origin = "";
  let view = ""; // the view's own name, where the login cookie counts (view-host.test.ts)
  const get = (path: string, headers: Record<string, string> = AUTH) =>
    fetchView(`${view}/plugins/web${path}`, { headers, redirect: "manual" });
  before(async () => {
    configureLog("error", undefined);
    h = await createHarness();
    server = await serveView(h, TOKEN);
    origin = `http://127.0.0.1:${server.port}`;
    view = new URL(server.loginUrl!).origin;
  });
  after(async () => {
    await server?.close();
    await h?.dispose();
  });

  it("the one-time login link sets an HttpOnly cookie for /plugins/ only; without it, 401", async () => {
    const paths = ["/index.html", "/app.css", "/app.js", "/api/runs", "/api/run", "/api/cost"];
    for (const p of [...paths, "/api/agent", "/api/cancel", "/events?tail=x/y", "/nope"]) {
      for (const method of ["GET", "HEAD", "OPTIONS", "POST"]) {
        const url = `${origin}/plugins/web${p}`;
        const res = await fetch(url, { method, headers: { "x-swarm-web": "1" } });
        assert.equal(res.status, 401, `${method} ${p}`);
        assert.equal(res.headers.get("access-control-allow-origin"), null, `${method} ${p}`);
        await res.body?.cancel();
      }
    }
    assert.match(server.loginUrl ?? "", /^http:\/\/[a-z2-7]{26}\.localhost:\d+\/login\/[\w-]{24}$/);
    const first = await fetchView(server.loginUrl!, { redirect: "manual" });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get("location"), "/plugins/web/index.html");
    const cookie = first.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^swarm_web=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/plugins\/$/);
    assert.ok(!cookie.includes(TOKEN), "the cookie holds the token");
    const again = await fetchView(server.loginUrl!, { redirect: "manual" });
    assert.equal(again.status, 401, "the login link worked twice");
    const jar = { cookie: cookie.split(";")[0]! };
    const page = await get("/index.html", jar);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal((await get("/api/runs", jar)).status, 200);
    const mcp = await fetchView(`${view}/mcp`, { method: "POST", headers: jar, body: "{}" });
    assert.equal(mcp.status, 401, "the cookie opened /mcp");
    assert.equal((await get("/api/runs", { cookie: "swarm_web=" + "x".repeat(43) })).status, 401);
    const home = await fetch(`${origin}/`, { headers: AUTH, redirect: "manual" });
    assert.equal(home.status, 303);
    assert.equal(home.headers.get("location"), "/plugins/web/index.html");
  });

  it("streams a run's lifecycle over SSE and lists it with its agents", async () => {
    const res = await get("/events");
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body!.getReader();
    let seen = "";
    const finished = (async () => {
      while (!seen.includes('"type":"run.finished"')) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
    })();
    const r = await h.call("par", { tasks: [{ prompt: "a [[fake cost=0.5]]" }, { prompt: "b" }] });
    assert.equal(r.isError, false, r.text);
    await within(finished, 5000, "run.finished on the SSE stream");
    await reader.cancel();
    for (const t of ["run.started", "agent.started", "agent.finished", "run.progress"]) {
      assert.ok(seen.includes(`"type":"${t}"`), `${t} missing from ${seen.slice(0, 500)}`);
    }
    const runs = (await (await get("/api/runs")).json()).runs;
    assert.equal(runs[0].run_id, r.data.run_id);
    assert.equal(runs[0].status, "done");
    const run = await (await get(`/api/run?id=${r.data.run_id}`)).json();
    assert.deepEqual(run.agents.map((a: { status: string }) => a.status), ["ok", "ok"]);
    const first = run.agents.find((a: { agent_id: string }) => a.agent_id === "agent-0");
    assert.equal(first?.cost_usd, 0.5, JSON.stringify(run.agents));
    const bad = await get("/api/run?id=../../etc");
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /^Cannot /);
  });

  it("a pipeline's run shows its trace: steps, jumps taken and why, budget", async () => {
    const r = await h.call("pipeline", {
      definition: {
        budget: 5,
        steps: [
          { id: "test", prompt: "test [[fake failfirst=1]]", on_fail: "fix" },
          { id: "fix", prompt: "fix", condition: "prev.error", next: "test" },
          { id: "report", prompt: "report" },
        ],
      },
    });
    assert.equal(r.isError, false, r.text);
    const d = await (await get(`/api/run?id=${r.data.run_id}`)).json();
    const steps = d.pipeline.steps.map((s: { step_id: string; jumped_to: string | null }) =>
      `${s.step_id}${s.jumped_to ? `>${s.jumped_to}` : ""}`
    );
    assert.deepEqual(steps, ["test>fix", "fix>test", "test", "fix", "report"]);
    assert.match(d.pipeline.steps[3].reason, /condition prev.error/);
    assert.equal(d.pipeline.budget.limit, 5);
  });

  it("an encrypted ref's page shows it encrypted and holds no byte of its plaintext", async () => {
    const spelled = ["PLAIN", "TEXT-WEB-5521"].join("");
    const r = await h.call("run", { prompt: `x [[fake text="${spelled} out"]]` });
    assert.equal(r.isError, false, r.text);
    const plain = await (await get(`/api/agent?ref=${r.data.ref}`)).text();
    assert.ok(plain.includes(MARKER), "the fixture's stream holds no plaintext to hide");
    assert.equal((await h.call("encrypt", { ref: r.data.ref })).isError, false);
    const res = await get(`/api/agent?ref=${r.data.ref}`);
    const body = await res.text();
    assert.ok(!body.includes(MARKER), `plaintext shown: ${body.slice(0, 400)}`);
    const d = JSON.parse(body);
    assert.equal(d.agent.encrypted, true);
    assert.equal(d.tail.skipped, "encrypted");
  });

  it("a stream planted as a link to another file is not followed: the tail says so", async () => {
    const r = await h.call("run", { prompt: "y" });
    const paths = h.core.refs.paths(r.data.run_id, r.data.agent_id);
    const secret = join(h.dataDir, "host-secret.txt");
    await writeFile(
      secret,
      `{"type":"assistant","message":{"content":[{"type":"text","text":"${MARKER}"}]}}\n`,
    );
    await rm(paths.stream, { force: true });
    await symlink(secret, paths.stream);
    const body = await (await get(`/api/agent?ref=${r.data.ref}`)).text();
    assert.ok(!body.includes(MARKER), "the link was followed");
    assert.equal(JSON.parse(body).tail.skipped, "a symbolic link");
  });

  it("cancel: refused without the page's header, then stops a hanging run", async () => {
    const started = h.call("run", { prompt: "[[fake hang]]", wait_s: 0 });
    const { data } = await started;
    const post = (headers: Record<string, string>) =>
      fetch(`${origin}/plugins/web/api/cancel`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json", ...headers },
        body: JSON.stringify({ run_id: data.run_id }),
      });
    assert.equal((await post({})).status, 403);
    const res = await within(post({ "x-swarm-web": "1" }), 5000, "the cancel to answer");
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "cancelled");
  });

  it("a model name of 512 KB from an agent is shown cut to 200 characters", async () => {
    const model = "m".repeat(512 << 10);
    const r = await h.call("par", {
      tasks: [0, 1].map((i) => ({ prompt: `long ${i} [[fake model="${model}"]]` })),
    });
    assert.equal(r.isError, false, r.text.slice(0, 300));
    const run = await (await get(`/api/run?id=${r.data.run_id}`)).json();
    assert.deepEqual(run.agents.map((a: { model: string }) => a.model.length), [200, 200]);
    const agent = await (await get(`/api/agent?ref=${r.data.results[0].ref}`)).json();
    assert.equal(agent.agent.model, "m".repeat(200));
  });

  it("cancel with any other JSON body answers 400 with a sentence, never a 500", async () => {
    const { data } = await h.call("run", { prompt: "done" });
    for (
      const body of [
        "null",
        "[]",
        '"x"',
        "{",
        '{"run_id":{"toString":1}}',
        '{"run_id":["' + data.run_id + '"]}',
        `{"run_id":"${data.run_id}","agent_id":{"toString":1}}`,
        `{"run_id":"${data.run_id}","agent_id":7}`,
      ]
    ) {
      const res = await fetch(`${origin}/plugins/web/api/cancel`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json", "x-swarm-web": "1" },
        body,
      });
      const text = await res.text();
      assert.ok([400, 404].includes(res.status), `${body}: ${res.status} ${text}`);
      assert.match(JSON.parse(text).error, /^Cannot /, body);
    }
  });

  it("cancel with agent_id stops that agent alone; the others finish", async () => {
    const r = await h.call("par", {
      tasks: [0, 1, 2].map((i) => ({ prompt: `s${i} [[fake sleep=1500]]` })),
      wait_s: 0,
    });
    const { run_id } = r.data;
    await h.runtime.until((rt) => rt.calls.filter((c) => c.run === run_id).length === 3, 3000);
    const post = (agent_id: string) =>
      fetch(`${origin}/plugins/web/api/cancel`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json", "x-swarm-web": "1" },
        body: JSON.stringify({ run_id, agent_id }),
      });
    const res = await within(post("agent-1"), 1000, "cancelling one agent");
    assert.equal(res.status, 200);
    assert.equal((await res.json()).agent.status, "cancelled");
    const again = await post("agent-1");
    assert.equal(again.status, 404);
    assert.match(
      (await again.json()).error,
      /^Cannot cancel agent "\w+\/agent-1": it is not running here/,
    );
    await within(h.call("wait", { run_id, wait_s: 10 }), 5000, "the par's end");
    const d = await (await get(`/api/run?id=${run_id}`)).json();
    assert.deepEqual(
      d.agents.map((a: { agent_id: string; status: string }) => `${a.agent_id} ${a.status}`).sort(),
      ["agent-0 ok", "agent-1 cancelled", "agent-2 ok"],
    );
  });

  it("budgets and spend per model: the runs list carries {limit, spent}, /api/cost sums refs by model", async () => {
    const r = await h.call("par", {
      budget: 3,
      tasks: [{ prompt: "b0 [[fake cost=0.25]]" }, { prompt: "b1 [[fake cost=0.5]]" }],
    });
    assert.equal(r.isError, false, r.text);
    const listed = (await (await get("/api/runs")).json()).runs.find((
      x: { run_id: string },
    ) => x.run_id === r.data.run_id);
    assert.deepEqual(listed.budget, { limit: 3, spent: 0.75 });
    const cost = await (await get("/api/cost")).json();
    const row = cost.runs.find((x: { run_id: string }) => x.run_id === r.data.run_id);
    assert.deepEqual(row.by_model, { "claude-sonnet-fake": 0.75 });
    const unbudgeted = (await (await get("/api/runs")).json()).runs.find((
      x: { tool: string; budget: unknown },
    ) => x.tool === "run");
    assert.equal(unbudgeted.budget, null);
  });
});
