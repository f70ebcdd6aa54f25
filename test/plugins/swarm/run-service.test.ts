// One agent's life on the swarm against a recording stand-in for the manager's API: names Swarm
// accepts whatever the agent id (ids may hold "." and "_" and run to 64 characters; services take
// letters, digits and "-", at most 63), the exit code from the task, the logs demultiplexed into
// the files, and everything created removed again, the service first.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { DockerApi, Request } from "../../../src/plugins/docker/docker-api.ts";
import type { DockerRunOptions } from "../../../src/plugins/docker/types.ts";
import { runService } from "../../../src/plugins/swarm/run.ts";

const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

function fakeManager(calls: Request[]): DockerApi {
  let n = 0;
  const answer = (req: Request): unknown => {
    calls.push(req);
    if (req.method === "POST" && req.path.endsWith("/create")) return { ID: `id${++n}` };
    if (req.path === "/tasks") {
      return [{
        NodeID: "m",
        Status: { State: "complete", ContainerStatus: { ContainerID: "c1", ExitCode: 7 } },
      }];
    }
    if (req.path === "/containers/json") return [{ Id: "c1", Labels: {} }];
    return {};
  };
  return {
    endpoint: "unix:///fake.sock",
    call: (req) => Promise.resolve(answer(req)) as never,
    stream: (
      req,
    ) => (answer(req), Promise.resolve(Readable.from([frame(1, "out\n"), frame(2, "err\n")]))),
    hijack: () => Promise.reject(new Error("no hijack")),
    version: () => Promise.resolve("1.41"),
    unavailable: (e) => e as Error,
  };
}

describe("swarm runService", () => {
  it("a long agent id with . and _ gives valid names; exit code, logs and cleanup", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarm-run-"));
    try {
      const calls: Request[] = [];
      const o: DockerRunOptions = {
        image: "img:1",
        cmd: ["x"],
        env: { K: "v" },
        binds: [],
        network: "swarm-mcp-swarm-agents",
        gpu: false,
        labels: { "swarm-mcp.run": "a1b2c3d4e5f6", "swarm-mcp.agent": "step_one.two" },
        stdoutFile: join(dir, "out"),
        stderrFile: join(dir, "err"),
        timeoutMs: 10_000,
        name: `swarm-a1b2c3d4e5f6-${"step_one.two".padEnd(64, "x")}`,
      };
      const log = { debug() {}, info() {}, warn() {}, error() {} } as never;
      const api = fakeManager(calls);
      const exit = await runService(
        api,
        log,
        o,
        ["x"],
        { constraints: [], generic: {} },
        () => Promise.resolve(api),
        new AbortController().signal,
      );
      assert.equal(exit.exitCode, 7);
      assert.equal(await readFile(o.stdoutFile, "utf8"), "out\n");
      assert.equal(await readFile(o.stderrFile, "utf8"), "err\n");
      const names = calls.filter((c) => c.path.endsWith("/create"))
        .map((c) => (c.body as { Name: string }).Name);
      assert.equal(names.length, 2); // the secret, the service (no stdin: no config)
      for (const n of names) assert.match(n, /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, n);
      const deletes = calls.filter((c) => c.method === "DELETE").map((c) => c.path);
      assert.deepEqual(deletes, ["/services/id2", "/containers/c1", "/secrets/id1"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
