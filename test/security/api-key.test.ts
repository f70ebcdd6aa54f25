// The API key given to the server (or through a call's env_vars) reaches the agent through its
// environment only: after runs that succeed, fail, fan out and resume, no file of the data dir
// holds it. Fake runtime, so the staging of the claude driver is what is scanned (the real CLI's
// own files are scanned in credentials.test.ts).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../helpers/harness.ts";

const KEY = `sk-ant-api03-${randomBytes(12).toString("hex")}`;
const CALL_KEY = `sk-ant-api03-call-${randomBytes(12).toString("hex")}`;

/** "path: needle" for each regular file under `root` holding a needle; links never followed. */
async function scan(root: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const name of await readdir(root, { recursive: true })) {
    const p = join(root, name);
    if (!(await lstat(p)).isFile()) continue;
    const text = (await readFile(p)).toString("latin1");
    hits.push(...needles.filter((n) => text.includes(n)).map((n) => `${p}: ${n}`));
  }
  return hits;
}

describe("the API key at rest", () => {
  let h: Harness;
  before(async () => (h = await createHarness({ env: { ANTHROPIC_API_KEY: KEY } })));
  after(() => h.dispose());

  it("is in no file of the data dir after runs that succeed, fail, fan out and resume", async () => {
    const ok = await h.call("run", { prompt: "hi", model: "claude-sonnet-4-5" });
    assert.equal(ok.data.status, "ok", ok.text);
    const failed = await h.call("run", { prompt: '[[fake fail="boom"]] hi' });
    assert.equal(failed.data.status, "failed", failed.text);
    const par = await h.call("par", { tasks: [{ prompt: "a" }, { prompt: "b" }] });
    assert.equal(par.data.succeeded, 2, par.text);
    const own = await h.call("run", { prompt: "x", env_vars: { ANTHROPIC_API_KEY: CALL_KEY } });
    assert.equal(own.data.status, "ok", own.text);
    const session = join(own.data.output_dir, "home", ".claude", "projects", "-workspace");
    await mkdir(session, { recursive: true });
    await writeFile(join(session, `${own.data.session_id}.jsonl`), "{}\n");
    const reply = await h.call("reply", { ref: own.data.ref, prompt: "go on" });
    assert.equal(reply.isError, false, reply.text);

    // Not a vacuous scan: each agent was handed a key, through its environment and nowhere else.
    const calls = h.runtime.calls;
    assert.equal(calls.length, 6);
    for (const c of calls) {
      assert.match(c.opts.env.ANTHROPIC_API_KEY ?? "", /^sk-ant-api03-/);
      assert.ok(!c.opts.cmd.some((a) => a.includes("sk-ant-")), "never on argv");
    }
    assert.equal(calls.at(-2)!.opts.env.ANTHROPIC_API_KEY, CALL_KEY);
    assert.deepEqual(await scan(h.core.config.dataDir, [KEY, CALL_KEY]), []);
  });
});
