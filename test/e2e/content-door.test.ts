// Door 6 in the compiled binary: a plugin FILE named in a manifest reads a real command agent's
// text and stream through core.refs.read/lines.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { AGENT_IMAGE, agentImage, dockerSkip, ROOT } from "../helpers/docker-env.ts";

const skip = binarySkip || (await dockerSkip());

describe("content door: a plugin file reads a ref through core.refs", { skip }, () => {
  let server: BinaryServer;
  before(async () => {
    await agentImage();
    server = await startBinary({ SWARM_IMAGE: AGENT_IMAGE }, [
      "--manifest",
      join(ROOT, "test", "fixtures", "content-manifest.json"),
    ]);
  });
  after(() => server?.close());

  it("read_ref returns the text and counts the stream's lines of a real agent", async () => {
    const ref = await server.call("run", {
      agent: "command",
      image: AGENT_IMAGE, // the command driver has no image of its own
      command: ["sh", "-c", "printf 'one\\ntwo\\nthree\\n'"],
      prompt: "ignored",
      timeout: 60,
    });
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    const got = await server.call("read_ref", { ref: ref.ref });
    assert.deepEqual(got, { text: "one\ntwo\nthree\n", size: 14, stream_lines: 3 });
    const bad = await server.call("read_ref", { ref: "../etc" }, { allowError: true });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /Cannot read ref "\.\.\/etc"/);
  });
});
