// Doors 1 and 2 in the compiled binary, on the echo runtime (no Docker): a plugin FILE declaring
// the `validated` stamp writes it and guard passes on it; another plugin file that did not declare
// it cannot forge it; best_of (a plugin file) calls par and reduce inside its own run, without any
// wait_s of its own on them, and every agent lands in that one run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startOnEcho } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";

const manifest = join(ROOT, "test", "fixtures", "calls-manifest.json");
const agent = { agent: "command", image: "echo:1", command: ["say", "hi"], timeout: 30 };

describe(
  "calls door: stamp ownership and run-aware calls in the binary",
  { skip: binarySkip },
  () => {
    let server: BinaryServer;
    before(async () => {
      server = await startOnEcho(manifest);
    });
    after(() => server?.close());

    it("the declaring plugin's stamp passes guard; an undeclared write is refused", async () => {
      const ref = await server.call("run", { ...agent, prompt: "ignored" });
      assert.equal(ref.status, "ok", JSON.stringify(ref));
      const forged = await server.call("forge", { ref: ref.ref }, { allowError: true });
      assert.equal(forged.isError, true);
      assert.equal(forged.error?.code, "FORBIDDEN", forged.text);
      assert.match(forged.text, /Cannot stamp "validated".*plugin "forger" did not declare/);
      const before = await server.call("guard", { ref: ref.ref, check: "validated" }, {
        allowError: true,
      });
      assert.equal(before.error?.code, "GUARD_FAILED", "the forged stamp landed");
      await server.call("approve", { ref: ref.ref, type: "report" });
      const g = await server.call("guard", { ref: ref.ref, check: "validated", value: "report" });
      assert.equal(g.ref, ref.ref);
    });

    it("best_of's par and reduce join its run and answer without wait_s of their own", async () => {
      const r = await server.call("best_of", { prompt: "pick", n: 3, sandbox: agent });
      assert.equal(r.status, undefined, JSON.stringify(r).slice(0, 300));
      const run = r.best.run_id;
      assert.deepEqual(
        [...r.candidates.map((c: { ref: string }) => c.ref), r.best.ref],
        [
          `${run}/par-1.agent-0`,
          `${run}/par-1.agent-1`,
          `${run}/par-1.agent-2`,
          `${run}/reduce-2.reducer`,
        ],
      );
      const status = await server.call("status", { run_id: run });
      assert.equal(status.tool, "best_of");
      assert.equal(status.status, "done");
      assert.equal(status.done, 4);
      assert.equal(status.total, 4);
    });
  },
);
