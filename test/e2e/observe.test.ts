// Observability with the real claude CLI in containers against the scripted model server: the
// artifacts log holds one line per tool call in the reference's shape, with our image and with a
// plain Debian image that has nothing but the CLI (the driver stages the hook); inspect of a failed
// agent says why in its first line.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import {
  AGENT_IMAGE,
  agentImage,
  BASE_IMAGE,
  docker,
  dockerSkip,
  type ModelEnv,
  startModelEnv,
  uniqueName,
} from "../helpers/docker-env.ts";

const skip = binarySkip || (await dockerSkip());
const MODEL = "claude-sonnet-4-5";

/** FROM the plain base with only the claude binary copied in: no hooks, no agent user. */
async function plainClaudeImage(tag: string): Promise<void> {
  const dockerfile = [
    `FROM ${BASE_IMAGE}`,
    `COPY --from=${AGENT_IMAGE} /usr/local/bin/claude /usr/local/bin/claude`,
    "",
  ].join("\n");
  const build = promisify(execFile)("docker", [
    "build",
    "--label",
    "swarm-test=1",
    "-t",
    tag,
    "-",
  ], { maxBuffer: 64 << 20 }); // deno-fmt-ignore
  build.child.stdin!.end(dockerfile);
  await build;
}

describe("observability with real agents", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let base: Record<string, unknown>;
  const plain = `${uniqueName("swarm-test-plain-claude")}:1`;

  before(async () => {
    await agentImage();
    await plainClaudeImage(plain);
    model = await startModelEnv();
    server = await startBinary({
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      CLAUDE_CODE_MAX_RETRIES: "0",
    });
    base = { network: model.network, model: MODEL, tools: ["Write", "Bash"] };
    await model.script("two-tools", {
      turns: [
        {
          text: "Writing.",
          tool_use: { name: "Write", input: { file_path: "/workspace/a.txt", content: "A\n" } },
        },
        { tool_use: { name: "Bash", input: { command: "echo from-bash" } } },
        { text: "Done." },
      ],
    });
  });
  after(async () => {
    await server?.close();
    await model?.stop();
    await docker("rmi", "-f", plain).catch(() => {});
  });

  for (const which of ["our image", "a plain Debian image with only the claude CLI"]) {
    it(`logs each tool call as {timestamp, tool, tool_use_id, input, response}: ${which}`, async () => {
      const image = which === "our image" ? {} : { image: plain };
      const ref = await server.call("run", {
        ...base,
        ...image,
        prompt: "[[script:two-tools]] go",
      });
      assert.equal(ref.status, "ok", ref.error);
      const log = await readFile(join(ref.output_dir, "out", "artifacts.jsonl"), "utf8");
      const lines = log.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.tool), ["Write", "Bash"], log);
      for (const l of lines) {
        assert.match(l.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.match(l.tool_use_id, /^toolu_/);
        assert.equal(typeof l.response, "object");
      }
      assert.deepEqual(lines[0].input, { file_path: "/workspace/a.txt", content: "A\n" });
      assert.equal(lines[1].input.command, "echo from-bash");
      assert.match(JSON.stringify(lines[1].response), /from-bash/);
    });
  }

  it("inspect of a failed agent names the cause in its first line", async () => {
    await model.script("fails", {
      turns: [
        { tool_use: { name: "Write", input: { file_path: "/workspace/half.txt", content: "h" } } },
        { error: { status: 400, type: "invalid_request_error", message: "scripted bad request" } },
      ],
    });
    const ref = await server.call("run", { ...base, prompt: "[[script:fails]] try" });
    assert.equal(ref.status, "failed");
    const r = await server.call("inspect", { ref: ref.ref });
    const md = await readFile(r.file, "utf8");
    const first = md.split("\n")[0]!;
    assert.match(first, new RegExp(`^# Inspect ${ref.ref}: failed: .*400 scripted bad request`));
    assert.equal(r.cause, first.replace(`# Inspect ${ref.ref}: `, ""));
    assert.match(md, /## Tool calls \(1\)\n\n1\. Write \/workspace\/half\.txt/);
    assert.match(md, /## Artifacts log[^\n]*\n\n\S+Z Write \/workspace\/half\.txt/);
    assert.match(md, /## Workspace files\n\nhalf\.txt/);
  });
});
