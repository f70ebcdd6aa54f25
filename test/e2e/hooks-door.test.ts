// Door 3 in the compiled binary: a plugin FILE (test/fixtures/plugins/hooks.ts) uses all three
// spawn hooks on the echo runtime (no Docker): its check refuses before any agent dir exists, its
// prepare's env var and workspace file reach the "container", its finish writes the stamp it owns
// and guard checks that stamp.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startOnEcho } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";

const manifest = join(ROOT, "test", "fixtures", "hooks-manifest.json");
// The command driver declares no image of its own and this manifest loads no other driver.
const agent = { agent: "command", command: ["say", "hi"], image: "echo:1", timeout: 30 };

async function agentDirs(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const run of await readdir(dataDir).catch(() => [] as string[])) {
    const names = await readdir(join(dataDir, run)).catch(() => [] as string[]);
    out.push(...names.filter((n) => n.startsWith("agent")));
  }
  return out;
}

describe("hooks door: a plugin file's check, prepare and finish", { skip: binarySkip }, () => {
  let server: BinaryServer;
  before(async () => {
    server = await startOnEcho(manifest);
  });
  after(() => server?.close());

  it("check refuses a prompt holding the marker before any agent dir exists", async () => {
    const r = await server.call("run", { ...agent, prompt: "please NO-HOOKS-PLEASE" }, {
      allowError: true,
    });
    assert.equal(r.isError, true);
    assert.equal(r.error?.code, "FORBIDDEN", r.text);
    assert.match(r.text, /holds "NO-HOOKS-PLEASE"; remove the marker/);
    assert.deepEqual(await agentDirs(server.dataDir), []);
  });

  it("prepare's env and file reach the agent; finish's stamp passes guard", async () => {
    const ref = await server.call("run", { ...agent, prompt: "hello" });
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    const out = await server.call("unwrap", { ref: ref.ref });
    assert.equal(
      await readFile(out.file, "utf8"),
      "echo runtime ran: say hi\n" +
        `ECHO_HOOK=set for ${ref.agent_id} in run\n` +
        "ECHO_CAT=hook-note.txt\n" +
        "written by the hooks plugin\n",
    );
    assert.equal(ref.stamps?.validated?.type, "hooked", JSON.stringify(ref));
    const guarded = await server.call("guard", {
      ref: ref.ref,
      check: "validated",
      value: "hooked",
    });
    assert.equal(guarded.ref, ref.ref);
    const wrong = await server.call("guard", {
      ref: ref.ref,
      check: "validated",
      value: "other",
    }, { allowError: true });
    assert.equal(wrong.error?.code, "GUARD_FAILED", wrong.text);
  });
});
