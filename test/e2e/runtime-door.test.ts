// Door 5 in the compiled binary: a plugin FILE provides the runtime "echo" (no Docker at all),
// SWARM_RUNTIME selects it, and a command agent runs on it and returns its ref; its runtime error
// (a mount it cannot share) reaches the caller as FORBIDDEN; an unknown runtime is named.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary, startOnEcho } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";

const manifest = join(ROOT, "test", "fixtures", "runtime-manifest.json");
const agent = {
  agent: "command",
  image: "echo:1", // no driver with an image is loaded: the sandbox names one
  command: ["say", "hi"],
  prompt: "ignored",
  timeout: 30,
};

describe(
  "runtime door: a plugin file's runtime, chosen by SWARM_RUNTIME",
  { skip: binarySkip },
  () => {
    let server: BinaryServer;
    before(async () => {
      // DOCKER_HOST points nowhere: the agent must not need an engine.
      server = await startOnEcho(manifest);
    });
    after(() => server?.close());

    it("runs a command agent on the echo runtime and returns its ref", async () => {
      const ref = await server.call("run", agent);
      assert.equal(ref.status, "ok", JSON.stringify(ref));
      const out = await server.call("unwrap", { ref: ref.ref });
      assert.equal(await readFile(out.file, "utf8"), "echo runtime ran: say hi\n");
    });

    it("a runtime error from check() is a FORBIDDEN tool error before any agent dir", async () => {
      const r = await server.call("run", {
        ...agent,
        mounts: [{ host_path: "/tmp", container_path: "/mnt/x" }],
      }, { allowError: true });
      assert.equal(r.isError, true);
      assert.equal(r.error?.code, "FORBIDDEN", r.text);
      assert.match(r.text, /the echo runtime shares no host filesystem/);
    });
  },
);

describe("runtime door: an unknown SWARM_RUNTIME", { skip: binarySkip }, () => {
  it("names the runtimes that are available", async () => {
    const server = await startBinary({ SWARM_RUNTIME: "nope" }, ["--manifest", manifest]);
    try {
      const r = await server.call("run", agent, { allowError: true });
      assert.equal(r.isError, true);
      assert.match(r.text, /Cannot use runtime "nope": .*available: docker, echo/);
    } finally {
      await server.close();
    }
  });
});
