// Budgets are hard caps (fake runtime): each running agent is capped at its reserved share of what
// is left, so agents at once never spend more than the budget beyond a turn each; an agent that
// cannot get the minimum waits for a release or is not started, and says why; a call nested in
// another's run reserves out of the caller's budget. `turn=` makes a fake agent spend in turns and
// stop at its --max-budget-usd as the CLI does.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PluginFactory } from "../../../src/core/types.ts";
import { defaultPlugins } from "../../../src/plugins/_registry.ts";
import type { FakeCall } from "../../helpers/fake-runtime.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const capOf = (c: FakeCall) => Number(c.opts.cmd[c.opts.cmd.indexOf("--max-budget-usd") + 1]);
const TURN = 0.02;
/** An agent that would spend $1 in turns of $0.02 if its cap let it. */
const GREEDY = `[[fake sleep=60 cost=1 turn=${TURN}]]`;
const tasks = (n: number, directive = GREEDY) =>
  Array.from({ length: n }, (_, i) => ({ prompt: `t${i} ${directive}` }));

/** The most the caps of agents running at the same moment added up to. */
function peakCaps(calls: FakeCall[]): number {
  let peak = 0;
  for (const c of calls) {
    const at = calls.filter((o) =>
      o.startedAt <= c.startedAt && (o.endedAt ?? Infinity) > c.startedAt
    );
    peak = Math.max(peak, at.reduce((s, o) => s + capOf(o), 0));
  }
  return peak;
}

describe("hard budgets", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());
  const calls = (runId: string) => h.runtime.calls.filter((c) => c.run === runId);

  it("par at concurrency 5 spends no more than its budget (it spent 5× before)", async () => {
    const r = await h.call("par", { tasks: tasks(10), budget: 0.5, max_concurrency: 5 });
    assert.equal(r.isError, false, r.text);
    assert.ok(r.data.budget.spent <= 0.5 + TURN, `spent ${r.data.budget.spent} of 0.5`);
    assert.deepEqual(calls(r.data.run_id).map(capOf), [0.1, 0.1, 0.1, 0.1, 0.1]);
    assert.deepEqual(r.data.budget.not_started, [5, 6, 7, 8, 9].map((i) => `agent-${i}`));
    assert.match(r.data.results[9].error, /^Not started: the budget of \$0\.5 is spent/);
    assert.match(r.data.results[0].error, /Reached maximum budget \(\$0\.1\)/);
  });

  it("map, race and map_reduce reserve shares too: caps of running agents add up to the budget", async () => {
    const m = await h.call("map", {
      prompt_template: `{input} ${GREEDY}`,
      inputs: ["a", "b", "c", "d", "e"],
      budget: 0.5,
    });
    assert.equal(m.isError, false, m.text);
    assert.ok(m.data.budget.spent <= 0.5 + TURN, `map spent ${m.data.budget.spent} of 0.5`);
    const race = await h.call("race", {
      tasks: [...tasks(4, "[[fake hang]]"), { prompt: "win [[fake sleep=50 cost=0.05]]" }],
      budget: 0.5,
    });
    assert.equal(race.isError, false, race.text);
    assert.equal(race.data.winner.agent_id, "agent-4");
    assert.ok(peakCaps(calls(race.data.run_id)) <= 0.5, "race caps over the budget");
    const mr = await h.call("map_reduce", {
      prompt_template: `{input} [[fake sleep=30 cost=0.1 turn=${TURN}]]`,
      inputs: ["a", "b", "c", "d"],
      synthesis_prompt: "Merge [[fake cost=0.01]]",
      budget: 1,
    });
    assert.equal(mr.isError, false, mr.text);
    const caps = calls(mr.data.run_id).map(capOf);
    assert.deepEqual(caps, [0.25, 0.25, 0.25, 0.25, 0.6], "the reducer gets all that is left");
  });

  it("an agent waits for a reservation and starts when a cheap one releases its unspent part", async () => {
    const r = await h.call("par", {
      tasks: [
        { prompt: "quick [[fake sleep=100 cost=0.01]]" },
        { prompt: "slow [[fake sleep=600 cost=0.01]]" },
        { prompt: "late [[fake cost=0.01]]" },
      ],
      budget: 0.12,
      max_concurrency: 3,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.succeeded, 3);
    const [quick, slow, late] = calls(r.data.run_id).sort((a, b) => a.agent.localeCompare(b.agent));
    // 0.12 split three ways is under the $0.05 minimum: two start with 0.05, the third waits.
    assert.deepEqual([capOf(quick!), capOf(slow!)], [0.05, 0.05]);
    assert.ok(late!.startedAt >= quick!.endedAt!, "the third agent started before any release");
    assert.ok(late!.startedAt < slow!.endedAt!, "the third agent waited for the slow one too");
    assert.equal(capOf(late!), 0.06, "what the quick agent left unspent");
    assert.deepEqual(r.data.budget.not_started, []);
  });

  it("an agent waiting for a reservation is cancelled with its run, and never starts", async () => {
    const started = h.runtime.started;
    const r = await h.call("par", {
      tasks: [...tasks(2, "[[fake hang]]"), { prompt: "waits [[fake cost=0.01]]" }],
      budget: 0.1,
      max_concurrency: 3,
      wait_s: 0,
    });
    assert.equal(r.data.status, "running", r.text);
    await h.runtime.until((rt) => rt.started === started + 2 && rt.running === 2);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the third would have started by now
    assert.equal(h.runtime.started, started + 2, "the third agent started without a reservation");
    await h.call("cancel", { run_id: r.data.run_id });
    const done = await h.call("wait", { run_id: r.data.run_id, wait_s: 10 });
    assert.equal(h.runtime.started, started + 2);
    assert.equal(done.data.results[2].status, "cancelled", done.text);
    assert.equal(done.data.results[2].error, "Cancelled before the agent started");
  });

  it("an agent is not started when what is left is under the minimum and nothing runs", async () => {
    const r = await h.call("par", {
      tasks: [{ prompt: "a [[fake cost=0.07]]" }, { prompt: "b [[fake cost=0.01]]" }],
      budget: 0.1,
      max_concurrency: 1,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(calls(r.data.run_id).length, 1);
    assert.deepEqual(r.data.budget.not_started, ["agent-1"]);
    assert.equal(
      r.data.results[1].error,
      'Not started: $0.03 of the budget of $0.1 is left, under the $0.05 an agent needs; raise "budget" to run it',
    );
  });
});

describe("hard budgets: retry's validator", () => {
  let h: Harness;
  let project: string;
  before(async () => {
    project = await mkdtemp(join(tmpdir(), "swarm-budget-"));
    await mkdir(join(project, "types"));
    await writeFile(join(project, "types", "report.md"), "# A report\n");
    h = await createHarness({ env: { SWARM_PROJECT_DIR: project } });
  });
  after(async () => {
    await h?.dispose();
    await rm(project, { recursive: true, force: true });
  });

  it("the validator is capped at what the attempt left (it ran uncapped before)", async () => {
    const before = h.runtime.calls.length;
    // The attempt's output carries the validator's directive: it would spend $1 in $0.1 turns.
    const r = await h.call("retry", {
      prompt: `x [[fake cost=0.1 text="[[fake cost=1 turn=0.1]] a report"]]`,
      declared_type: "report",
      max_attempts: 1,
      budget: 0.5,
    });
    const [attempt, validator] = h.runtime.calls.slice(before);
    assert.match(validator!.agent, /validator/, r.text);
    assert.deepEqual([capOf(attempt!), capOf(validator!)], [0.5, 0.4]);
    const s = await h.call("status", { run_id: attempt!.run });
    assert.ok(s.data.cost_usd <= 0.5 + 0.1, `spent ${s.data.cost_usd} of 0.5`);
  });
});

/** A stand-in validate tool that runs another combinator inside the caller's run, with a budget
 * of its own far above the caller's. */
const nestingValidate: PluginFactory = (core) => ({
  name: "nesting-validate",
  tools: [{
    name: "validate",
    description: "Test tool: runs the combinator named by declared_type, then says VALID",
    input: core.v.object({
      artifact: core.v.unknown(),
      declared_type: core.v.string(),
      max_budget: core.v.optional(core.v.number()),
    }),
    async run(a: { declared_type: string }, ctx) {
      const inner: Record<string, Record<string, unknown>> = {
        par: { tasks: tasks(5) },
        map: { prompt_template: `{input} ${GREEDY}`, inputs: [1, 2, 3, 4, 5] },
        race: { tasks: tasks(5) },
        map_reduce: {
          prompt_template: `{input} ${GREEDY}`,
          inputs: [1, 2],
          synthesis_prompt: `Merge ${GREEDY}`,
        },
        chain: { stages: tasks(3) },
        reduce: { inputs: ["x"], synthesis_prompt: `Merge ${GREEDY}` },
        retry: { prompt: `again ${GREEDY}` },
      };
      // An inner call that runs out of budget is an error: the caller's spend is what is checked.
      await ctx.call(a.declared_type, { ...inner[a.declared_type], budget: 5 }).catch(() => {});
      return { verdict: "VALID", issues: [] };
    },
  }],
});

describe("hard budgets across nested calls", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({
      builtins: defaultPlugins.filter((n) => n !== "types"),
      plugins: { "nesting-validate": nestingValidate },
    });
  });
  after(() => h.dispose());

  for (const tool of ["par", "map", "race", "map_reduce", "chain", "reduce", "retry"]) {
    it(`${tool} called inside retry's run reserves out of retry's budget, not its own`, async () => {
      const r = await h.call("retry", {
        prompt: "first [[fake cost=0.1]]",
        declared_type: tool,
        budget: 0.5,
      });
      assert.equal(r.isError, false, r.text);
      const mine = h.runtime.calls.filter((c) => c.run === r.data.run_id);
      assert.ok(mine.length > 1, `no inner agent ran: ${r.text}`);
      assert.ok(r.data.budget.spent <= 0.5 + TURN, `spent ${r.data.budget.spent} of 0.5`);
      assert.ok(peakCaps(mine.slice(1)) <= 0.4 + 1e-9, `inner caps over the $0.4 left`);
    });
  }
});
