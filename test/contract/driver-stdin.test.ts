// A third-party driver may send the container other stdin than the prompt: the core keeps the
// prompt in prompt.txt, writes the driver's text to stdin.txt and gives the container that file.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { createHarness, type Harness } from "../helpers/harness.ts";
import type { Core, Plugin } from "../../src/core/types.ts";

const shout = (_core: Core): Plugin => ({
  name: "shout",
  agents: [{
    name: "shout",
    prepare: async (job) => ({
      entrypoint: ["cat"],
      cmd: [],
      env: {},
      stdin: job.prompt.toUpperCase(),
    }),
    parse: async (_job, exit) => ({
      status: exit.exitCode === 0 ? "ok" : "failed",
      exit_code: exit.exitCode,
      error: null,
      text_file: "stream.jsonl",
    }),
  }],
});

describe("a driver's own stdin", () => {
  let h: Harness;
  before(async () => (h = await createHarness({ plugins: { shout } })));
  after(() => h.dispose());

  it("reaches the container from stdin.txt; prompt.txt keeps the prompt", async () => {
    const r = await h.call("run", { prompt: "quiet words", agent: "shout" });
    assert.equal(r.isError, false, r.text);
    const paths = h.core.refs.paths(r.data.run_id, r.data.agent_id);
    assert.equal(await readFile(paths.prompt, "utf8"), "quiet words");
    assert.equal(await readFile(paths.stdin, "utf8"), "QUIET WORDS");
    assert.equal((await stat(paths.stdin)).mode & 0o777, 0o600);
    const call = h.runtime.calls.find((c) => c.run === r.data.run_id)!;
    assert.equal(call.opts.stdinFile, paths.stdin);
    assert.equal(call.stdin, "QUIET WORDS");
  });

  it("a driver that sends the prompt gets prompt.txt itself, and no stdin.txt is written", async () => {
    const r = await h.call("run", { prompt: "plain", agent: "command", command: ["cat"] });
    const paths = h.core.refs.paths(r.data.run_id, r.data.agent_id);
    assert.equal(
      h.runtime.calls.find((c) => c.run === r.data.run_id)!.opts.stdinFile,
      paths.prompt,
    );
    await assert.rejects(stat(paths.stdin));
  });
});
