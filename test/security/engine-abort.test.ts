// A cancel that arrives while run() is still talking to the engine before create (here: the image
// inspect that finds the command) stops the run: no container is created or started, and run()
// returns cancelled at once instead of the agent running to its end. Exact, with a fake engine
// that holds the inspect answer until the abort.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerResponse } from "node:http";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import type { Logger } from "../../src/core/types.ts";
import { type FakeEngine, fakeEngine, settled } from "./engine-proxy.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe("an abort before the container exists", () => {
  let fake: FakeEngine;
  let dir = "";
  after(async () => {
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("during the image inspect: nothing is created or started, run() returns cancelled", async () => {
    let inspect: ServerResponse | undefined;
    fake = await fakeEngine((req, res) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      if (req.method === "GET" && req.url?.includes("/images/")) return void (inspect = res);
      if (req.url?.includes("/containers/create")) return json(201, { Id: "c0ffee" });
      if (req.url?.includes("/start") || req.url?.includes("/kill")) {
        return res.writeHead(204).end();
      }
      if (req.url?.includes("/wait")) return; // the container runs until the test ends
      if (req.method === "DELETE") return res.writeHead(204).end();
      json(404, { message: "no such thing" });
    });
    dir = await mkdtemp(join(tmpdir(), "swarm-early-abort-"));
    const rt = createDockerRuntime({ host: fake.host, log: quiet });
    const ac = new AbortController();
    const run = rt.run({
      image: "x:1",
      cmd: ["sleep", "300"], // no entrypoint: the image's is looked up first
      env: {},
      binds: [],
      network: "none",
      labels: { "swarm-test": "1" },
      timeoutMs: 0,
      stdoutFile: join(dir, "out"),
      stderrFile: join(dir, "err"),
      capture: "files",
    }, ac.signal);
    const t0 = Date.now();
    while (!inspect) {
      assert.ok(Date.now() - t0 < 5000, `no image inspect within 5 s: ${fake.requests}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    ac.abort();
    inspect.writeHead(200, { "Content-Type": "application/json" }).end('{"Config":{}}');
    const r = await settled(run, 3000);
    assert.ok(!r.pending, `run() still running 3 s after the abort: ${fake.requests}`);
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.value!.cancelled, true);
    assert.ok(!fake.requests.some((q) => q.includes("/start")), fake.requests.join(", "));
  });
});
