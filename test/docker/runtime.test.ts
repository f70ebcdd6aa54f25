// The Docker runtime against the real engine: real containers from swarm-base:bookworm (Debian
// minbase, made by scripts/make-base-image.sh). Every behaviour is checked in both capture modes
// ("files": the container writes its output into mounted files; "stream": the attach connection
// carries it). Skipped only when no engine is reachable.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import { createDockerApi } from "../../src/plugins/docker/docker-api.ts";
import { tar } from "../../src/plugins/docker/tar.ts";
import { isCode } from "../helpers/tool-error.ts";
import { until } from "../helpers/wait.ts";
import type { DockerRunOptions as ContainerRunOptions } from "../../src/plugins/docker/types.ts";
import { quietLog as quiet } from "../helpers/quiet-log.ts";

const IMAGE = "swarm-base:bookworm";
const host = process.env.DOCKER_HOST;
const rt = createDockerRuntime({ host, log: quiet });
const api = createDockerApi(host);
const reason = await rt.ping().then(() => "", (e) => (e as Error).message);
const skip = reason ? `no Docker engine reachable (${reason})` : false;
if (skip) process.stderr.write(`SKIP test/docker/runtime.test.ts: ${skip}\n`);

const TEST = `rt-${process.pid}-${Date.now().toString(36)}`;
const LABELS = { "swarm-mcp.test": TEST, "swarm-mcp.owner": `owner-${TEST}` };
let dir = "";
const never = new AbortController().signal;

const MODES = ["files", "stream"] as const;
const input = async (text: string) => {
  const f = join(dir, "stdin");
  await writeFile(f, text, { mode: 0o600 });
  return f;
};
const out = () => readFile(join(dir, "out"), "utf8");
const err = () => readFile(join(dir, "err"), "utf8");
const mine = () =>
  api.call<{ Id: string }[]>({
    method: "GET",
    path: "/containers/json",
    query: { all: 1, filters: JSON.stringify({ label: [`swarm-mcp.test=${TEST}`] }) },
    ok: [200],
  });
const gone = async (id: string) => {
  const r = await api.call({ method: "GET", path: `/containers/${id}/json`, ok: [200] }).then(
    () => false,
    (e) => (e as { statusCode?: number }).statusCode === 404,
  );
  return r;
};

for (const capture of MODES) {
  describe(`docker runtime, capture "${capture}"`, { skip }, () => {
    const opts = (o: Partial<ContainerRunOptions> & { cmd: string[] }): ContainerRunOptions => ({
      image: IMAGE,
      env: {},
      binds: [],
      network: "none",
      labels: LABELS,
      timeoutMs: 60_000,
      stdoutFile: join(dir, "out"),
      stderrFile: join(dir, "err"),
      capture,
      ...o,
    });

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "swarm-rt-"));
      assert.ok(
        await rt.imageExists(IMAGE),
        `${IMAGE} is missing: build it with scripts/make-base-image.sh`,
      );
    });
    afterEach(async () => {
      // Every run must leave nothing behind; removeByLabels reporting > 0 means a leak.
      assert.equal(
        await rt.removeByLabels({ "swarm-mcp.test": TEST }),
        0,
        "a test container was left behind",
      );
    });
    after(async () => {
      await rt.removeByLabels({ "swarm-mcp.test": TEST });
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("reports exit codes and separates stdout from stderr into files", async () => {
      const r = await rt.run(
        opts({ cmd: ["sh", "-c", "echo out; echo err >&2; echo out2; exit 3"] }),
        never,
      );
      assert.equal(r.exitCode, 3);
      assert.equal(r.timedOut, false);
      assert.equal(r.cancelled, false);
      assert.match(r.containerId, /^[0-9a-f]{64}$/);
      assert.equal(await out(), "out\nout2\n");
      assert.equal(await err(), "err\n");
      assert.ok(await gone(r.containerId));
    });

    it("measures the lifecycle of a no-op container", async () => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await rt.run(opts({ cmd: ["sh", "-c", "exit 0"] }), never);
        assert.equal(r.exitCode, 0);
        times.push(r.durationMs);
      }
      times.sort((a, b) => a - b);
      process.stderr.write(
        `no-op container lifecycle (create→remove): median ${times[2]} ms, all ${
          times.join(" ")
        }\n`,
      );
    });

    it("delivers stdin and then EOF", async () => {
      const text = "line one\nline two without newline ✓";
      const r = await rt.run(opts({ cmd: ["cat"], stdinFile: await input(text) }), never);
      assert.equal(r.exitCode, 0);
      assert.equal(await out(), text);
      const empty = await rt.run(
        opts({ cmd: ["sh", "-c", "cat; echo eof"], stdinFile: await input("") }),
        never,
      );
      assert.equal(empty.exitCode, 0);
      assert.equal(await out(), "eof\n");
      const none = await rt.run(opts({ cmd: ["sh", "-c", "cat; echo eof"] }), never); // no stdin at all: EOF at once
      assert.equal(none.exitCode, 0);
      assert.equal(await out(), "eof\n");
      const big = "0123456789abcdef\n".repeat(1 << 16); // 1 MiB: more than any pipe buffer before start
      const r2 = await rt.run(
        opts({ cmd: ["sh", "-c", "cat | wc -c"], stdinFile: await input(big) }),
        never,
      );
      assert.equal(r2.exitCode, 0);
      assert.equal((await out()).trim(), String(big.length));
    });

    it("reports output that cannot be written (disk full)", async () => {
      const t0 = performance.now();
      if (capture === "stream") {
        // We write the file: a failed write stops the container rather than let it block on a full pipe.
        await assert.rejects(
          rt.run(
            opts({ cmd: ["sh", "-c", "while :; do echo spam; done"], stdoutFile: "/dev/full" }),
            never,
          ),
          (e) => (e as { code?: string }).code === "ENOSPC",
        );
      } else {
        // The container writes the file: the command itself sees ENOSPC and says so on stderr.
        const r = await rt.run(
          opts({ cmd: ["head", "-c", "100000", "/dev/zero"], stdoutFile: "/dev/full" }),
          never,
        );
        assert.notEqual(r.exitCode, 0);
        assert.match(await err(), /No space left on device/);
      }
      assert.ok(performance.now() - t0 < 5000);
    });

    it("passes env outside Cmd and sets labels, init, no-new-privileges and limits", async () => {
      // "files" needs a user who may open our 0600 files: ourselves (as the server does).
      const user = capture === "files" ? `${process.getuid!()}:${process.getgid!()}` : "1000:1000";
      const ac = new AbortController();
      const running = rt.run(
        opts({
          cmd: ["sh", "-c", 'echo "$SECRET_TOKEN"; sleep 30'],
          env: { SECRET_TOKEN: "s3cr3t-value", EMPTY: "" },
          memoryBytes: 128 << 20,
          nanoCpus: 5e8,
          workdir: "/tmp",
          user,
        }),
        ac.signal,
      );
      let found: { Id: string }[] = [];
      for (let i = 0; i < 100 && found.length === 0; i++) {
        found = await mine();
        if (!found.length) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(found.length, 1);
      const c = await api.call<
        {
          Config: Record<string, any>;
          HostConfig: Record<string, any>;
          Args: string[];
          Path: string;
        }
      >({ method: "GET", path: `/containers/${found[0]!.Id}/json`, ok: [200] });
      // Listed is not yet running its shell: on a loaded engine an abort now kills it before echo.
      await until(
        "the container's echo",
        async () => (await out().catch(() => "")) === "s3cr3t-value\n",
        15_000,
      );
      ac.abort();
      await running;
      assert.ok(
        !JSON.stringify([c.Config.Cmd, c.Args, c.Path, c.Config.Entrypoint]).includes("s3cr3t"),
        "secret leaked into argv",
      );
      assert.ok(c.Config.Env.includes("SECRET_TOKEN=s3cr3t-value"));
      assert.ok(c.Config.Env.includes("EMPTY="));
      assert.deepEqual({ ...c.Config.Labels }, { ...c.Config.Labels, ...LABELS });
      assert.equal(c.Config.User, user);
      assert.equal(c.Config.WorkingDir, "/tmp");
      assert.equal(c.HostConfig.Init, true);
      assert.deepEqual(c.HostConfig.SecurityOpt, ["no-new-privileges"]);
      assert.equal(c.HostConfig.NetworkMode, "none");
      assert.equal(c.HostConfig.Memory, 128 << 20);
      assert.equal(c.HostConfig.NanoCpus, 5e8);
      if (capture === "files") {
        // The output never passes through us: the container writes to the mounted files.
        assert.equal(c.Config.AttachStdout, false);
        assert.equal(c.Config.AttachStderr, false);
        assert.ok(
          c.HostConfig.Binds.includes(`${join(dir, "out")}:/run/swarm-io/stdout:rw`),
          c.HostConfig.Binds.join(" "),
        );
        assert.equal(c.Config.Entrypoint[0], "/bin/sh");
      } else {
        assert.equal(c.Config.AttachStdout, true);
      }
      assert.equal(await out(), "s3cr3t-value\n");
    });

    it("mounts binds read-only and read-write", async () => {
      const ro = await mkdtemp(join(dir, "ro-"));
      const rw = await mkdtemp(join(dir, "rw-"));
      await writeFile(join(ro, "in.txt"), "from host\n");
      const script =
        "cat /in/in.txt; (echo x > /in/new) 2>/dev/null && echo ro-writable || echo ro-denied; echo written > /work/out.txt";
      const binds = [{ host: ro, container: "/in", readonly: true }, {
        host: rw,
        container: "/work",
        readonly: false,
      }];
      const r = await rt.run(opts({ cmd: ["sh", "-c", script], binds }), never);
      assert.equal(r.exitCode, 0);
      assert.equal(await out(), "from host\nro-denied\n");
      assert.equal(await readFile(join(rw, "out.txt"), "utf8"), "written\n");
      await assert.rejects(stat(join(ro, "new")));
    });

    it("has only loopback on network none", async () => {
      const r = await rt.run(opts({ cmd: ["sh", "-c", "ls /sys/class/net"] }), never);
      assert.equal(r.exitCode, 0);
      assert.equal((await out()).trim(), "lo");
    });

    it("kills at the deadline, keeps the partial output and removes the container", async () => {
      const t0 = performance.now();
      const r = await rt.run(
        opts({
          cmd: ["sh", "-c", "echo partial; echo warn >&2; sleep 30; echo never"],
          timeoutMs: 1500,
        }),
        never,
      );
      const took = performance.now() - t0;
      assert.equal(r.timedOut, true);
      assert.equal(r.cancelled, false);
      assert.ok(took >= 1400 && took < 5000, `took ${took} ms`);
      assert.equal(await out(), "partial\n");
      assert.equal(await err(), "warn\n");
      assert.ok(await gone(r.containerId));
    });

    it("on abort removes the container within 2 s", async () => {
      const ac = new AbortController();
      const running = rt.run(opts({ cmd: ["sh", "-c", "echo started; sleep 60"] }), ac.signal);
      // Running, not just created: on a loaded engine a fixed second can pass before the echo.
      await until(
        "the container's echo",
        async () => (await out().catch(() => "")) === "started\n",
        15_000,
      );
      const t0 = performance.now();
      ac.abort();
      const r = await running;
      const took = performance.now() - t0;
      assert.equal(r.cancelled, true);
      assert.equal(r.timedOut, false);
      assert.ok(took < 2000, `abort took ${took} ms`);
      assert.ok(await gone(r.containerId));
      assert.equal(await out(), "started\n");
      process.stderr.write(`abort → container removed in ${Math.round(took)} ms\n`);
      const pre = await rt.run(opts({ cmd: ["sh", "-c", "exit 0"] }), AbortSignal.abort());
      assert.equal(pre.cancelled, true);
      assert.equal(pre.containerId, "");
    });

    it("leaves no container behind when the command or the start fails", async () => {
      const r = await rt.run(opts({ cmd: ["no-such-command"] }), never);
      assert.equal(r.exitCode, 127);
      assert.match(await err(), /no-such-command/);
      await assert.rejects(
        rt.run(opts({ cmd: ["sh", "-c", "exit 0"], network: `no-such-net-${TEST}` }), never),
        isCode("INVALID_INPUT"),
      );
      assert.equal((await mine()).length, 0);
      await assert.rejects(
        rt.run(opts({ cmd: ["sh"], image: `swarm-mcp-no-such-image:${TEST}` }), never),
        isCode("IMAGE_UNAVAILABLE"),
      );
      // Refused before create: no container, and no file left open.
      const fds = (await readdir("/proc/self/fd")).length;
      await assert.rejects(
        rt.run(opts({ cmd: ["true"], env: { "BAD=NAME": "x" } }), never),
        isCode("INVALID_INPUT"),
      );
      assert.equal((await readdir("/proc/self/fd")).length, fds);
      assert.equal((await mine()).length, 0);
    });

    it("asks for NVIDIA GPUs with gpu: true (a clear error on engines without them)", async () => {
      const info = await api.call<{ Runtimes?: Record<string, unknown> }>({
        method: "GET",
        path: "/info",
        ok: [200],
      });
      const run = rt.run(opts({ cmd: ["sh", "-c", "exit 0"], gpu: true }), never);
      if (info.Runtimes?.nvidia) return assert.equal((await run).exitCode, 0); // an engine with the NVIDIA toolkit
      // Only a create request with DeviceRequests [{Driver: "nvidia", Capabilities: [["gpu"]]}] draws this refusal.
      await assert.rejects(run, (e) =>
        isCode("INVALID_INPUT")(e) &&
        /could not select device driver "nvidia" with capabilities: \[\[gpu\]\]/.test(
          (e as Error).message,
        ));
    });

    it("writes 64 MB of output to disk without holding it in memory", async () => {
      const size = 64 << 20;
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t0 = performance.now();
      const r = await rt.run(
        opts({ cmd: ["sh", "-c", `head -c ${size} /dev/urandom; echo tail >&2`] }),
        never,
      ).finally(() => clearInterval(timer));
      const took = performance.now() - t0;
      assert.equal(r.exitCode, 0);
      assert.equal((await stat(join(dir, "out"))).size, size);
      assert.equal(await err(), "tail\n");
      const grew = (peak - rss0) / 1048576;
      process.stderr.write(
        `64 MB output (${capture}): ${Math.round(took)} ms, peak RSS growth ${
          grew.toFixed(1)
        } MB\n`,
      );
      // "files": no byte passes through this process. "stream": bounded by backpressure.
      assert.ok(grew < (capture === "files" ? 8 : 48), `RSS grew by ${grew.toFixed(1)} MB`);
    });

    it("lists owned containers and removes them by label", async () => {
      const running = rt.run(opts({ cmd: ["sleep", "60"] }), never);
      let owned: { id: string; labels: Record<string, string> }[] = [];
      for (let i = 0; i < 100 && owned.length === 0; i++) {
        owned = (await rt.listOwned()).filter((c) => c.labels["swarm-mcp.test"] === TEST);
        if (!owned.length) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(owned.length, 1);
      assert.equal(owned[0]!.labels["swarm-mcp.owner"], LABELS["swarm-mcp.owner"]);
      assert.equal(await rt.removeByLabels({ "swarm-mcp.owner": LABELS["swarm-mcp.owner"] }), 1);
      const r = await running; // the run notices its container vanished and returns
      assert.notEqual(r.exitCode, 0);
      await rt.remove(r.containerId); // removing a gone container is not an error
    });

    it("runs containers concurrently", async () => {
      const runs = [1, 2, 3, 4].map((i) =>
        rt.run({
          ...opts({ cmd: ["sh", "-c", `echo ${i}; exit ${i}`] }),
          stdoutFile: join(dir, `out${i}`),
          stderrFile: join(dir, `err${i}`),
        }, never)
      );
      const results = await Promise.all(runs);
      assert.deepEqual(results.map((r) => r.exitCode), [1, 2, 3, 4]);
      for (const i of [1, 2, 3, 4]) {
        assert.equal(await readFile(join(dir, `out${i}`), "utf8"), `${i}\n`);
      }
    });

    it("builds an image from a tar context", async () => {
      const tag = `swarm-mcp-test-build:${TEST}`;
      const dockerfile =
        `FROM ${IMAGE}\nARG GREETING=unset\nCOPY hello.txt /hello.txt\nRUN echo "$GREETING" > /greeting\nENTRYPOINT ["cat"]\nCMD ["/hello.txt"]\n`;
      const lines: string[] = [];
      try {
        await rt.buildImage(
          tar([{ name: "Dockerfile", data: dockerfile }, {
            name: "hello.txt",
            data: "hello from tar\n",
          }]),
          tag,
          { GREETING: "hi there" },
          (l) => lines.push(l),
        );
        assert.ok(lines.some((l) => /Step 1\/6|FROM/.test(l)), lines.join("\n"));
        assert.ok(await rt.imageExists(tag));
        // The image's ENTRYPOINT runs with our Cmd, or with its own CMD when we give none.
        const r = await rt.run(opts({ image: tag, cmd: ["/hello.txt", "/greeting"] }), never);
        assert.equal(await out(), "hello from tar\nhi there\n");
        assert.equal(r.exitCode, 0);
        const own = await rt.run(opts({ image: tag, cmd: [] }), never);
        assert.equal(await out(), "hello from tar\n");
        assert.equal(own.exitCode, 0);
        const bad = tar([{
          name: "Dockerfile",
          data: `FROM ${IMAGE}\nRUN echo about to fail; exit 7\n`,
        }]);
        await assert.rejects(
          rt.buildImage(bad, `${tag}-bad`, {}, () => {}),
          (e) => isCode("IMAGE_UNAVAILABLE")(e) && /about to fail/.test((e as Error).message),
        );
      } finally {
        await rt.removeImage(tag);
      }
      assert.equal(await rt.imageExists(tag), false);
    });
  });
}

describe("docker runtime, where the output wrapper cannot run", { skip }, () => {
  const infos: string[] = [];
  const rt2 = createDockerRuntime({ host, log: { ...quiet, info: (m) => infos.push(m) } });
  const tag = `swarm-mcp-test-nosh:${TEST}`;
  const run = (o: Partial<ContainerRunOptions> & { cmd: string[] }) =>
    rt2.run({
      image: IMAGE,
      env: {},
      binds: [],
      network: "none",
      labels: LABELS,
      timeoutMs: 60_000,
      stdoutFile: join(dir, "out"),
      stderrFile: join(dir, "err"),
      ...o,
    }, never);
  before(async () => (dir = await mkdtemp(join(tmpdir(), "swarm-rt-"))));
  after(async () => {
    await rt2.removeByLabels({ "swarm-mcp.test": TEST });
    await rm(dir, { recursive: true, force: true });
    await api.call({
      method: "DELETE",
      path: `/images/${tag}`,
      query: { force: 1 },
      ok: [200, 404, 409],
    });
  });

  it("falls back to streaming for an image without /bin/sh, once per image", async (t) => {
    // The smallest image that can run anything: one static binary (tini, which ships with Docker).
    const tini = await realpath("/usr/bin/docker-init").catch(() => "");
    if (!tini) return t.skip("no static /usr/bin/docker-init on this host");
    const body = tar([{ name: "tini", data: await readFile(tini), mode: 0o755 }]);
    const res = await api.stream({
      method: "POST",
      path: "/images/create",
      query: { fromSrc: "-", repo: tag.split(":")[0], tag: TEST },
      file: body,
      ok: [200],
    });
    for await (const _ of res);
    for (let i = 0; i < 2; i++) {
      const r = await run({
        image: tag,
        cmd: ["/tini", "--version"],
        stdinFile: await input("unused"),
      });
      assert.equal(r.exitCode, 0);
      assert.match(await out(), /^tini version \d/);
      assert.equal(await err(), "");
    }
    assert.equal(
      infos.filter((m) => /streaming output through the engine/.test(m)).length,
      1,
      infos.join("\n"),
    );
  });

  it("falls back to streaming when the container's user may not open the files", async () => {
    // Our files are 0600; a user other than us (and not root) cannot open them through the mount.
    const r = await run({ cmd: ["sh", "-c", "id -u; echo e >&2; exit 4"], user: "54321:54321" });
    assert.equal(r.exitCode, 4);
    assert.equal(await out(), "54321\n");
    assert.equal(await err(), "e\n");
  });

  it("refuses a missing stdin file before anything is created", async () => {
    // Docker would otherwise create a directory where the file should be.
    const missing = join(dir, "no-such-dir", "stdin");
    for (const capture of MODES) {
      await assert.rejects(
        run({ cmd: ["cat"], stdinFile: missing, capture }),
        (e) => (e as { code?: string }).code === "ENOENT",
      );
      await assert.rejects(stat(join(dir, "no-such-dir")));
    }
    assert.equal((await mine()).length, 0);
  });
});

describe("docker runtime without an engine", () => {
  it("says DOCKER_UNAVAILABLE with the endpoint and what to do", async () => {
    const sock = join(tmpdir(), `swarm-no-such-${process.pid}.sock`);
    const dead = createDockerRuntime({ host: `unix://${sock}`, log: quiet });
    assert.equal(dead.endpoint, `unix://${sock}`);
    const sentence =
      `Cannot reach the Docker engine at unix://${sock}: no such socket; is dockerd running? Start it or set DOCKER_HOST`;
    await assert.rejects(
      dead.ping(),
      (e) => isCode("DOCKER_UNAVAILABLE")(e) && (e as Error).message === sentence,
    );
    const o = {
      image: IMAGE,
      cmd: ["true"],
      env: {},
      binds: [],
      network: "none",
      labels: LABELS,
      timeoutMs: 1000,
      stdoutFile: join(tmpdir(), "x"),
      stderrFile: join(tmpdir(), "y"),
    };
    await assert.rejects(dead.run(o, never), isCode("DOCKER_UNAVAILABLE"));
    await assert.rejects(dead.imageExists("x"), isCode("DOCKER_UNAVAILABLE"));
    const refused = createDockerRuntime({ host: "tcp://127.0.0.1:1", log: quiet });
    await assert.rejects(
      refused.ping(),
      (e) =>
        isCode("DOCKER_UNAVAILABLE")(e) &&
        /tcp:\/\/127\.0\.0\.1:1: connection refused/.test((e as Error).message),
    );
  });
});
