// Real agents end to end: the compiled binary, an SDK client over stdio, real containers running
// the real claude CLI against the scripted model server on an --internal test network.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import {
  agentImage,
  dockerSkip,
  type ModelEnv,
  ownedContainers,
  startModelEnv,
} from "../helpers/docker-env.ts";

const skip = binarySkip || (await dockerSkip());
const MODEL = "claude-sonnet-4-5";

describe("real claude agents in containers", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let base: Record<string, unknown>;

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    server = await startBinary({
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
    });
    base = { network: model.network, model: MODEL };
  });
  after(async () => {
    await server?.close();
    await model?.stop();
  });

  const gone = async (runId: string) =>
    assert.deepEqual(
      await ownedContainers({ "swarm-mcp.run": runId }),
      [],
      `containers of run ${runId} left`,
    );

  it("a Write into a mounted directory lands on the host, owned by the caller, traced", async () => {
    const host = await mkdtemp(join(tmpdir(), "swarm-mount-"));
    await chmod(host, 0o777); // a root server's agents run as SWARM_AGENT_UID: the mount must be writable by it
    await model.script("write", {
      turns: [
        {
          text: "Writing.",
          tool_use: {
            name: "Write",
            input: { file_path: "/work/out/hello.txt", content: "hello from the agent\n" },
          },
        },
        { text: "I wrote hello.txt." },
      ],
    });
    const ref = await server.call("run", {
      ...base,
      prompt: "[[script:write]] write hello.txt",
      tools: ["Read", "Write"],
      mounts: [{ host_path: host, container_path: "/work/out", readonly: false }],
    });
    assert.equal(ref.status, "ok", ref.error);
    assert.equal(await readFile(join(host, "hello.txt"), "utf8"), "hello from the agent\n");
    assert.equal((await stat(join(host, "hello.txt"))).uid, process.getuid!());
    assert.ok(ref.cost_usd > 0, "cost is on the ref");
    assert.match(ref.session_id, /^[0-9a-f-]{36}$/);
    assert.equal(ref.num_turns, 2);
    assert.match(ref.content_hash, /^[0-9a-f]{16}$/);
    const out = await server.call("unwrap", { ref: ref.ref });
    assert.equal(await readFile(out.file, "utf8"), "I wrote hello.txt.");
    const artifacts = await readFile(
      join(server.dataDir, ref.run_id, "agent-0", "out", "artifacts.jsonl"),
      "utf8",
    );
    assert.match(artifacts, /"tool":"Write"/); // the reference's field names
    await gone(ref.run_id);
  });

  it("tools without Write keep the file from being written (--tools is a real restriction)", async () => {
    const host = await mkdtemp(join(tmpdir(), "swarm-mount-"));
    await model.script("nowrite", {
      turns: [
        {
          tool_use: {
            name: "Write",
            input: { file_path: "/work/out/forbidden.txt", content: "x" },
          },
        },
        { text: "Could not write." },
      ],
    });
    const ref = await server.call("run", {
      ...base,
      prompt: "[[script:nowrite]] try to write",
      tools: "Read",
      mounts: [{ host_path: host, container_path: "/work/out", readonly: false }],
    });
    assert.equal(existsSync(join(host, "forbidden.txt")), false);
    const sent = (await model.requests()).filter((r) => r.marker === "nowrite");
    assert.ok(sent.length >= 1);
    for (const r of sent) assert.deepEqual(r.tool_names, ["Read"]);
    await gone(ref.run_id);
  });

  it("a timeout kills the container and keeps the partial output", async () => {
    await model.script("slow", {
      turns: [
        {
          text: "Starting the long job.",
          tool_use: {
            name: "Bash",
            input: { command: "echo partial-progress", description: "step" },
          },
        },
        { delay_ms: 120000, text: "never" },
      ],
    });
    const started = Date.now();
    const ref = await server.call("run", { ...base, prompt: "[[script:slow]] go", timeout: 8 });
    assert.equal(ref.status, "timeout");
    assert.match(ref.error, /^Timed out after 8 s/);
    assert.ok(Date.now() - started < 30000);
    await gone(ref.run_id);
    const report = await server.call("inspect", { ref: ref.ref });
    assert.equal(report.has_partial_output, true);
    assert.match(await readFile(report.file, "utf8"), /Bash/);
  });

  it("a scripted API error yields a failed ref carrying the CLI's message", async () => {
    await model.script("refuse", {
      turns: [{
        error: {
          status: 400,
          type: "invalid_request_error",
          message: "scripted refusal: temperature out of range",
        },
      }],
    });
    const ref = await server.call("run", { ...base, prompt: "[[script:refuse]] hi" });
    assert.equal(ref.status, "failed");
    assert.match(ref.error, /scripted refusal: temperature out of range/);
    await gone(ref.run_id);
  });

  it("bad input is a clear isError and writes nothing outside the data dir", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ sandbox: "no-such-sandbox" }, "NOT_FOUND", /Cannot find sandbox "no-such-sandbox"/],
      [{ mounts: "[{not json" }, "INVALID_INPUT", /Cannot parse "mounts"/],
      [
        { mounts: [{ host_path: "relative/dir", container_path: "/x" }] },
        "INVALID_INPUT",
        /must be absolute/,
      ],
      [{ mounts: [{ host_path: "/", container_path: "/host" }] }, "FORBIDDEN", /host root/],
      [
        { mounts: [{ host_path: "/var/run/docker.sock", container_path: "/d.sock" }] },
        "FORBIDDEN",
        /Docker socket/,
      ],
      [{ input_files: { "../../escape.txt": "x" } }, "INVALID_INPUT", /escape|outside|\.\./],
      [{ input_files: { "/etc/../../evil": "x" } }, "INVALID_INPUT", /\.\./],
    ];
    for (const [args, code, re] of cases) {
      const res = await server.call("run", { ...base, prompt: "hello", ...args }, {
        allowError: true,
      });
      assert.equal(res.isError, true, JSON.stringify(args));
      assert.equal(res.error.code, code, `${JSON.stringify(args)}: ${res.text}`);
      assert.match(res.text, re);
    }
    for (const ref of ["../../etc/passwd", "0123456789ab/..", "{broken"]) {
      const res = await server.call("unwrap", { ref }, { allowError: true });
      assert.equal(res.error.code, "INVALID_INPUT");
    }
    const missing = await server.call("unwrap", { ref: "0123456789ab/agent-0" }, {
      allowError: true,
    });
    assert.equal(missing.error.code, "NOT_FOUND");
    const found = await readdir(server.dataDir, { recursive: true });
    assert.ok(
      !found.some((f) => f.endsWith("escape.txt") || f.endsWith("evil")),
      "no escaped file anywhere",
    );
    assert.equal(existsSync(join(server.dataDir, "..", "escape.txt")), false);
  });
});
