// The Docker engine boundary: no image name reaches the engine unchecked, an answer that redirects
// is never followed, an engine that stops answering or answers garbage gives DOCKER_UNAVAILABLE
// within a bound, and none of it takes the server process down.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import { createDockerApi } from "../../src/plugins/docker/docker-api.ts";
import { tar } from "../../src/plugins/docker/tar.ts";
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime } from "../helpers/tool-error.ts";
import type { Logger } from "../../src/core/types.ts";
import type { DockerRunOptions as ContainerRunOptions } from "../../src/plugins/docker/types.ts";
import { type FakeEngine, fakeEngine, type SourceServer, startSource } from "./engine-proxy.ts";
import { HOSTILE_IMAGES } from "./hostile-images.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const never = new AbortController().signal;
const PROBE = ["", ".", "..", "/", "x//y", "a/../b"];
const engineDown = await createDockerRuntime({ host: process.env.DOCKER_HOST, log: quiet }).ping()
  .then(() => "", (e) => (e as Error).message);
const skip = engineDown ? `no Docker engine reachable (${engineDown})` : false;

/** The promise's rejection, or a failure naming `what` when it settles otherwise or not within `ms`. */
async function rejection(p: Promise<unknown>, ms: number, what: string): Promise<Error> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), ms)));
  try {
    const r = await Promise.race([p.then(() => "resolved" as const, (e: Error) => e), limit]);
    if (r === "late") assert.fail(`${what}: still pending after ${ms} ms`);
    if (r === "resolved") assert.fail(`${what}: resolved instead of failing`);
    return r;
  } finally {
    clearTimeout(timer);
  }
}

const runOpts = (image: string, dir: string): ContainerRunOptions => ({
  image,
  cmd: ["true"],
  env: {},
  binds: [],
  network: "none",
  labels: { "swarm-test": "1" },
  timeoutMs: 10_000,
  stdoutFile: join(dir, "out"),
  stderrFile: join(dir, "err"),
});

describe("the runtime refuses hostile image names before the engine sees them", { skip }, () => {
  const rt = createDockerRuntime({ host: process.env.DOCKER_HOST, log: quiet });
  let dir = "";
  before(async () => (dir = await mkdtemp(join(tmpdir(), "swarm-img-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [category, image] of HOSTILE_IMAGES) {
    it(`hostile runtime image ${category}: ${JSON.stringify(image.slice(0, 60))}`, async () => {
      const calls: [string, () => Promise<unknown>][] = [
        ["imageExists", () => rt.imageExists(image)],
        ["imageLabels", () => rt.imageLabels(image)],
        ["removeImage", () => rt.removeImage(image)],
        ["run", () => rt.run(runOpts(image, dir), never)],
        [
          "buildImage",
          () =>
            rt.buildImage(
              tar([{ name: "Dockerfile", data: "FROM scratch\n" }]),
              image,
              {},
              () => {},
            ),
        ],
      ];
      for (const [name, call] of calls) {
        const e = fromRuntime(await rejection(call(), 5000, name));
        assert.ok(isToolError(e) && e.code === "INVALID_INPUT", `${name}: ${e}`);
        assert.match(e.message, /^Cannot use image( tag)? /);
      }
    });
  }

  it("still answers afterwards", async () =>
    assert.equal(await rt.imageExists("swarm-base:bookworm"), true));
});

describe("a server given the probe's image names stays up", { skip }, () => {
  let server: SourceServer;
  let home = "";
  before(async () => {
    home = await mkdtemp(join(tmpdir(), "swarm-probe-"));
    server = await startSource({
      HOME: home,
      SWARM_DATA_DIR: join(home, "data"),
      SWARM_HOST_ID: `swarm-test-probe-${process.pid}`,
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    });
  });
  after(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  for (const image of PROBE) {
    it(`hostile server image probe: ${JSON.stringify(image)}`, async () => {
      const res = await server.call("run", {
        agent: "command",
        command: ["true"],
        image,
        network: false,
        prompt: "x",
        wait_s: 30,
      });
      assert.equal(res.isError, true, JSON.stringify(res));
      assert.equal(res.error?.code, "INVALID_INPUT", res.text);
      assert.match(res.text, /^Cannot use (image|sandbox field "image")/); // the runtime's check or an earlier one
      const runs = await server.call("runs", {});
      assert.ok(!runs.isError, "the server still answers");
    });
  }
});

describe("an engine that redirects, drops or stalls", () => {
  const engines: FakeEngine[] = [];
  after(() => Promise.all(engines.map((e) => e.close())));
  const engine = async (answer: Parameters<typeof fakeEngine>[0]) => {
    const e = await fakeEngine(answer);
    engines.push(e);
    return e;
  };
  const unavailable = (thrown: Error, pattern: RegExp) => {
    const e = fromRuntime(thrown);
    assert.ok(isToolError(e) && e.code === "DOCKER_UNAVAILABLE", String(e));
    assert.match(e.message, pattern);
  };

  const redirects: [number, string | undefined][] = [
    [307, "/v1.41/images/x/json"],
    [301, "http://evil.example/steal"],
    [308, "//x"],
    [302, undefined],
    [300, "/"],
    [303, "unix:///etc/passwd"],
    [307, "ftp://x/"],
    [301, "/v1.41/images/../../json"],
    [307, "\u0000"],
    [399, "/x"],
  ];
  for (const [code, location] of redirects) {
    it(`hostile engine redirect: ${code} to ${JSON.stringify(location)}`, async () => {
      const fake = await engine((_req, res) =>
        res.writeHead(code, location === undefined ? {} : { Location: encodeURI(location) }).end()
      );
      const rt = createDockerRuntime({ host: fake.host, log: quiet });
      const e = await rejection(rt.imageExists("x"), 5000, "imageExists");
      unavailable(e, /redirect \(HTTP \d+.*never followed/);
      assert.deepEqual(
        fake.requests,
        ["GET /v1.41/images/x/json"],
        "the redirect was not followed",
      );
    });
  }

  it("hostile engine redirect: on container create, the run fails cleanly", async () => {
    const fake = await engine((req, res) => {
      if (req.url?.includes("/images/")) {
        return void res.writeHead(200, { "Content-Type": "application/json" }).end(
          '{"Config":{"Cmd":["true"]}}',
        );
      }
      res.writeHead(307, { Location: "/v1.41/containers/create" }).end();
    });
    const dir = await mkdtemp(join(tmpdir(), "swarm-redir-"));
    try {
      const rt = createDockerRuntime({ host: fake.host, log: quiet });
      unavailable(await rejection(rt.run(runOpts("debian", dir), never), 5000, "run"), /redirect/);
      assert.equal(fake.requests.filter((r) => r.includes("/containers/create")).length, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("hostile engine stall: no answer fails within the call timeout", async () => {
    const fake = await engine(() => {}); // never answers
    const api = createDockerApi(fake.host, { timeoutMs: 300 });
    unavailable(
      await rejection(api.call({ method: "GET", path: "/info", ok: [200] }), 3000, "call"),
      /no answer within 0.3 s/,
    );
  });

  it("hostile engine stall: a body that drips forever fails within the call timeout", async () => {
    const fake = await engine((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const t = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(t));
    });
    const api = createDockerApi(fake.host, { timeoutMs: 400 });
    unavailable(
      await rejection(api.call({ method: "GET", path: "/info", ok: [200] }), 3000, "call"),
      /no answer within/,
    );
  });

  it("hostile engine drop: the connection closes in the middle of an answer", async () => {
    const fake = await engine((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
      res.write('{"Id":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const api = createDockerApi(fake.host, { timeoutMs: 5000 });
    unavailable(
      await rejection(api.call({ method: "GET", path: "/info", ok: [200] }), 3000, "call"),
      /Cannot reach the Docker engine/,
    );
  });

  it("hostile engine garbage: an answer that is not HTTP", async () => {
    const fake = await engine((req) => req.socket.end("SSH-2.0-OpenSSH\r\n\r\n"));
    const api = createDockerApi(fake.host, { timeoutMs: 5000 });
    unavailable(
      await rejection(api.call({ method: "GET", path: "/info", ok: [200] }), 3000, "call"),
      /Cannot reach the Docker engine/,
    );
  });

  it("hostile engine flood: a 10 MB error sentence is cut to a bounded message", async () => {
    const fake = await engine((_req, res) =>
      res.writeHead(500, { "Content-Type": "text/plain" }).end("x".repeat(10 << 20))
    );
    const api = createDockerApi(fake.host, { timeoutMs: 10_000 });
    const e =
      (await rejection(api.call({ method: "GET", path: "/info", ok: [200] }), 10_000, "call")) as
        & Error
        & { statusCode?: number };
    assert.equal(e.statusCode, 500);
    assert.ok(e.message.length <= 70_000, `message of ${e.message.length} characters`);
  });
});
