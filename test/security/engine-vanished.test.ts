// A container removed between create and start (a cancel, a shutdown's sweep, another tool) is a
// run that ends, not an error: the engine answers start with "marked for removal" or "no such
// container", and run() returns a failed exit (the flaky "removes them by label" race, made exact).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import type { Logger } from "../../src/core/types.ts";
import { type FakeEngine, fakeEngine } from "./engine-proxy.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A no-op container's run options, its output files named `name` in `dir`. */
const noop = (dir: string, name: string) => ({
  image: "x:1",
  entrypoint: ["sh"],
  cmd: ["-c", "true"],
  env: {},
  binds: [],
  network: "none",
  labels: { "swarm-test": "1" },
  timeoutMs: 10_000,
  stdoutFile: join(dir, `${name}.out`),
  stderrFile: join(dir, `${name}.err`),
  capture: "files" as const,
});

describe("a container removed before it starts", () => {
  const engines: FakeEngine[] = [];
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(engines.map((e) => e.close()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const answers: [number, string][] = [
    [409, "container is marked for removal and cannot be started"],
    [404, "No such container: c0ffee"],
  ];
  for (const [code, message] of answers) {
    it(`start answered ${code} "${message}": run() returns a failed exit`, async () => {
      const fake = await fakeEngine((req, res) => {
        const json = (status: number, body: unknown) =>
          res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
        if (req.method === "POST" && req.url?.includes("/containers/create")) {
          return json(201, { Id: "c0ffee" });
        }
        if (req.method === "POST" && req.url?.includes("/start")) return json(code, { message });
        if (req.method === "DELETE") return res.writeHead(404).end();
        json(404, { message: "no such thing" });
      });
      engines.push(fake);
      const dir = await mkdtemp(join(tmpdir(), "swarm-vanished-"));
      dirs.push(dir);
      const rt = createDockerRuntime({ host: fake.host, log: quiet });
      const exit = await rt.run(noop(dir, "only"), new AbortController().signal);
      assert.equal(exit.exitCode, -1);
      assert.equal(exit.containerId, "c0ffee");
      assert.ok(fake.requests.some((r) => r.includes("/start")), fake.requests.join(", "));
      assert.ok(
        !fake.requests.some((r) => r.includes("/wait")),
        "nothing waits on a gone container",
      );
    });
  }

  it("the engine lost while start is in flight: the error says so, and the container is removed later", async () => {
    let phase: "up" | "down" | "back" = "up"; // the engine drops /start, then comes back
    const fake = await fakeEngine((req, res) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      if (req.method === "POST" && req.url?.includes("/containers/create")) {
        return json(201, { Id: `c0ffee${fake.requests.length}` });
      }
      // The engine started it (a running container is what the caller sees) but the answer is lost.
      if (req.method === "POST" && req.url?.includes("/start") && phase === "up") {
        phase = "down";
        return void req.socket.destroy();
      }
      if (req.method === "POST" && req.url?.includes("/start")) return res.writeHead(204).end();
      if (req.method === "POST" && req.url?.includes("/wait")) return json(200, { StatusCode: 0 });
      if (req.method === "DELETE") {
        return phase === "back" ? res.writeHead(204).end() : req.socket.destroy();
      }
      json(404, { message: "no such thing" });
    });
    engines.push(fake);
    const dir = await mkdtemp(join(tmpdir(), "swarm-vanished-"));
    dirs.push(dir);
    const rt = createDockerRuntime({ host: fake.host, log: quiet });
    await assert.rejects(rt.run(noop(dir, "first"), new AbortController().signal), (e: Error) => {
      assert.match(
        e.message,
        /^Cannot start container c0ffee\d: lost the Docker engine at .* while starting the agent; its container will be removed when the engine is back/,
      );
      return true;
    });
    const first = fake.requests.find((r) => r.includes("/start"))!.split("/")[3];
    phase = "back";
    await rt.run(noop(dir, "second"), new AbortController().signal);
    assert.ok(
      fake.requests.some((r) => r.startsWith(`DELETE /v1.41/containers/${first}`)),
      `the lost container is removed by the next run: ${fake.requests.join(", ")}`,
    );
  });
});
