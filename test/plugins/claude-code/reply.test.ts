// reply on the fake runtime: the new agent gets --resume and the earlier session in its own HOME
// (copied, never through a link the old agent planted), the sandbox it ran with (not env_vars),
// and the old ref as parent; what cannot be resumed is refused before anything starts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("reply", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  /** What the CLI leaves in HOME when it keeps a session. */
  const keepSession = (ref: { output_dir: string; session_id: string }, content = "{}\n") => {
    const dir = join(ref.output_dir, "home", ".claude", "projects", "-workspace");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${ref.session_id}.jsonl`), content);
    return dir;
  };

  it("resumes the session in a new agent with the same sandbox; the old ref is its parent", async () => {
    const first = await h.call("run", {
      prompt: "begin",
      model: "claude-opus-4-1",
      claude_md: "# Rules",
      env_vars: { TOKEN: "secret-value" },
    });
    assert.equal(first.isError, false, first.text);
    keepSession(first.data, '{"turn":"earlier"}\n');
    const next = await h.call("reply", { ref: first.data.ref, prompt: "go on" });
    assert.equal(next.isError, false, next.text);
    assert.deepEqual(next.data.parents, [first.data.ref]);
    const call = h.runtime.calls.at(-1)!;
    const cmd = call.opts.cmd;
    assert.equal(cmd[cmd.indexOf("--resume") + 1], first.data.session_id);
    assert.equal(cmd[cmd.indexOf("--model") + 1], "claude-opus-4-1");
    assert.ok(!cmd.includes("--no-session-persistence"));
    assert.equal(call.stdin, "go on");
    const copied = join(next.data.output_dir, "home", ".claude", "projects", "-workspace");
    assert.equal(
      readFileSync(join(copied, `${first.data.session_id}.jsonl`), "utf8"),
      '{"turn":"earlier"}\n',
    );
    assert.equal(
      readFileSync(join(next.data.output_dir, "workspace", "CLAUDE.md"), "utf8"),
      "# Rules",
    );
    const kept = readFileSync(join(first.data.output_dir, "sandbox.json"), "utf8");
    assert.doesNotMatch(kept, /secret-value/);
  });

  it("refuses what cannot be resumed, naming why, and starts nothing", async () => {
    const started = h.runtime.started;
    const a = await h.call("run", { prompt: "a" });
    const none = await h.call("reply", { ref: a.data.ref, prompt: "x" });
    assert.equal(none.isError, true);
    assert.match(
      none.text,
      /Cannot reply to ref ".*": its HOME holds no \.claude directory|its session file is not in its HOME/,
    );
    // A session "file" the old agent made a link to a host file is not followed.
    const dir = keepSession(a.data);
    rmSync(join(dir, `${a.data.session_id}.jsonl`));
    symlinkSync("/etc/passwd", join(dir, `${a.data.session_id}.jsonl`));
    const link = await h.call("reply", { ref: a.data.ref, prompt: "x" });
    assert.match(link.text, /its session file is not in its HOME/);
    // Nor a .claude dir swapped for a link.
    const home = join(a.data.output_dir, "home");
    rmSync(join(home, ".claude"), { recursive: true });
    mkdirSync(join(home, "elsewhere", "projects", "-workspace"), { recursive: true });
    writeFileSync(
      join(home, "elsewhere", "projects", "-workspace", `${a.data.session_id}.jsonl`),
      "{}",
    );
    symlinkSync(join(home, "elsewhere"), join(home, ".claude"));
    const swapped = await h.call("reply", { ref: a.data.ref, prompt: "x" });
    assert.match(swapped.text, /its HOME holds no \.claude directory/);
    assert.equal(h.runtime.started, started + 1);
  });
});
