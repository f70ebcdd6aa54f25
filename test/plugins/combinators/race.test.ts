import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("race", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("race() returns the first success and kills the other containers at once", async () => {
    const t0 = Date.now();
    const r = await h.call("race", {
      tasks: [{ prompt: "slow [[fake hang]]" }, { prompt: 'fast [[fake sleep=50 text="won"]]' }, {
        prompt: "slower [[fake sleep=30000]]",
      }],
    });
    const elapsed = Date.now() - t0;
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.winner.agent_id, "agent-1");
    assert.equal(await h.core.refs.readText(r.data.winner.ref), "won");
    assert.ok(elapsed < 2000, `race took ${elapsed} ms`);
    const losers = h.runtime.calls.filter((c) => c.run === r.data.run_id && c.agent !== "agent-1");
    assert.equal(losers.length, 2);
    for (const l of losers) {
      assert.equal(l.exit?.cancelled, true, `${l.agent} was not killed`);
      assert.ok(
        l.endedAt! -
            (h.runtime.calls.find((c) => c.run === r.data.run_id && c.agent === "agent-1")!
              .endedAt!) < 500,
      );
    }
    assert.deepEqual(r.data.results.map((x: { status: string }) => x.status), [
      "cancelled",
      "ok",
      "cancelled",
    ]);
    assert.equal(r.data.failed, 0);
    assert.equal(r.data.attempted, 3);
  });

  it("race() skips a failure and waits for the next success", async () => {
    const r = await h.call("race", {
      tasks: [{ prompt: 'fails fast [[fake sleep=10 fail="nope"]]' }, {
        prompt: "succeeds later [[fake sleep=80]]",
      }],
    });
    assert.equal(r.data.winner.agent_id, "agent-1");
    assert.equal(r.data.failed, 1);
  });

  it("race() does not start queued tasks once one has won", async () => {
    const r = await h.call("race", {
      tasks: [{ prompt: "first" }, { prompt: "second" }, { prompt: "third" }],
      max_concurrency: 1,
    });
    assert.equal(r.data.winner.agent_id, "agent-0");
    assert.equal(h.runtime.calls.filter((c) => c.run === r.data.run_id).length, 1);
    assert.match(r.data.results[1].error, /Not started: agent-0 already won the race/);
  });

  it("race() is an error listing each failure when every approach fails", async () => {
    const r = await h.call("race", {
      tasks: [{ prompt: 'a [[fake fail="wrong answer"]]' }, {
        prompt: 'b [[fake fail="crashed"]]',
      }],
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.code, "AGENT_FAILED");
    assert.match(r.text, /all 2 approaches failed/);
    assert.match(r.text, /agent-0: .*wrong answer/);
    assert.match(r.text, /agent-1: .*crashed/);
  });
});
