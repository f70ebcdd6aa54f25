// Door 8 in the compiled binary: a third-party driver FILE declares its own image with a recipe,
// and the core has the runtime ensure (build) that image before the agent runs. The echo runtime
// (a plugin file too) records each image it built from a recipe and says so in the agent's output;
// an image no driver declares comes with no recipe, so nothing is built for it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startOnEcho } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";
import { OWN_IMAGE } from "../fixtures/plugins/own-image.ts";

const manifest = join(ROOT, "test", "fixtures", "image-manifest.json");

describe("image door: a driver file's own image is ensured before its agent runs", {
  skip: binarySkip,
}, () => {
  let server: BinaryServer;
  before(async () => {
    // DOCKER_HOST points nowhere: the image is built through the selected runtime, not Docker.
    server = await startOnEcho(manifest);
  });
  after(() => server?.close());

  const output = async (args: Record<string, unknown>) => {
    const ref = await server.call("run", { prompt: "go", timeout: 30, ...args });
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    return readFile((await server.call("unwrap", { ref: ref.ref })).file, "utf8");
  };

  it("builds the driver's image from its recipe, then runs the agent in it", async () => {
    assert.equal(
      await output({ agent: "imaged" }),
      `echo runtime built ${OWN_IMAGE} (FROM scratch) from Dockerfile, hello.txt\n` +
        "echo runtime ran: imaged\n",
    );
  });

  it("an image no driver declares has no recipe: it is only asked for, never built", async () => {
    assert.equal(
      await output({ agent: "command", image: "echo:1", command: ["say", "hi"] }),
      "echo runtime ran: say hi\n",
    );
  });
});
