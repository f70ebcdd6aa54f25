// A third-party driver FILE loaded by manifest into the compiled binary runs an agent (on the echo
// runtime, no Docker), and its check() refuses a bad spec as INVALID_INPUT.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startOnEcho } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";

const manifest = join(ROOT, "test", "fixtures", "shell-manifest.json");
const agent = { agent: "shell", image: "echo:1", prompt: "echo hi", timeout: 30 };

describe("a driver file in the binary", { skip: binarySkip }, () => {
  let server: BinaryServer;
  before(async () => {
    server = await startOnEcho(manifest);
  });
  after(() => server?.close());

  it("runs a shell agent and returns its first line of output", async () => {
    const ref = await server.call("run", agent);
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    const out = await server.call("unwrap", { ref: ref.ref });
    assert.match(await readFile(out.file, "utf8"), /^echo runtime ran: sh -s$/);
  });

  it("its check() refuses a bad spec before the agent starts", async () => {
    const r = await server.call("run", { ...agent, timeout: 3600 }, { allowError: true });
    assert.equal(r.isError, true);
    assert.equal(r.error?.code, "INVALID_INPUT", r.text);
    assert.match(r.text, /Cannot start a "shell" agent with timeout 3600/);
  });
});
