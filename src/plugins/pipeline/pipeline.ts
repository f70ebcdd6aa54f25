// The pipeline tool: load and check the definition (and the run it resumes) before anything
// starts, then run the step machine under a run like the other agent-starting tools (wait_s,
// wait, status, cancel, runs; cancel kills the running step's container).
import type { Core, Ref, RunHandle, SandboxSpec, Tool } from "../../core/types.ts";
import { waitField } from "../combinators/_common.ts";
import { LEVELS, loadDefinition } from "./definition.ts";
import { INPUT_CODES, interpret, type Start } from "./interpret.ts";
import {
  parseResume,
  readJournal,
  restoredTrace,
  type SharedDir,
  sharedPath,
  writeJournal,
} from "./journal.ts";

export function pipeline(core: Core, shared: Map<string, string>): Tool {
  const { v } = core;
  return {
    name: "pipeline",
    description:
      'Run a JSON workflow: steps (one agent each) in order, with jumps. definition: an object, its JSON, or a name (pipelines/<name>.json in a registered project, $SWARM_PROJECT_DIR, ~/.claude). Keys: name, sandbox, budget (USD), deadline_seconds, classification, steps: [{id, prompt, on_fail, next, retry_if: {"<step id>": "<keyword>"}, condition: "prev.error", max_retries (jumps into the step, default 3), …sandbox fields}]; a target is a step id or "$stop". Each step gets the previous output and error in its prompt, and /shared (read-write, one per run). Returns {run_id, status: done|broken|cancelled|budget_exhausted|deadline_exceeded, final: ref, trace, total_cost_usd, …}.',
    annotations: { openWorldHint: true },
    // Loose: a long call first returns {status: "running", run_id, …}.
    output: {
      type: "object",
      properties: {
        run_id: { type: "string" },
        status: { type: "string" },
        final: { type: ["object", "null"] },
        trace: { type: "array" },
        total_cost_usd: { type: "number" },
      },
    },
    input: v.object({
      definition: v.pipe(
        v.union([v.string(), v.record(v.string(), v.unknown())]),
        v.description("The pipeline: an object, its JSON text, or a saved pipeline's name"),
      ),
      resume: v.optional(
        v.pipe(
          v.string(),
          v.maxLength(200),
          v.description(
            '"<run_id>": again from the first step, reusing its /shared; "<run_id>/<step_id>": from that step, with the earlier trace and context',
          ),
        ),
      ),
      wait_s: waitField(core),
    }),
    async run(args: Record<string, unknown>, ctx) {
      const def = await loadDefinition(core, args.definition);
      let start: Start = { index: 0, restored: [] };
      let reused: SharedDir | undefined;
      let carried: string[] = [];
      if (typeof args.resume === "string") {
        const r = parseResume(core, args.resume);
        const index = r.step === undefined ? 0 : def.steps.findIndex((s) => s.id === r.step);
        if (index < 0) {
          core.fail(
            "NOT_FOUND",
            `Cannot resume "${args.resume}": the definition has no step "${r.step}"; its steps are ${
              def.steps.map((s) => s.id).join(", ")
            }`,
          );
        }
        if ((await core.runs.status(r.run_id)).status === "running") {
          core.fail(
            "CONFLICT",
            `Cannot resume "${r.run_id}": that run is still running; wait for it or cancel it first`,
          );
        }
        const j = await readJournal(core, r.run_id);
        reused = j.shared;
        await sharedPath(core, reused, false);
        carried = await classifiedRefs(core, j.result.trace.map((e) => e.ref));
        start = { index, restored: restoredTrace(j, r.step), resumed_from: args.resume };
      }
      return core.runs.start(
        "pipeline",
        ctx,
        { wait_s: args.wait_s as number, total: def.steps.length },
        async (run) => {
          // Only a pipeline that owns its run keeps the journal a resume reads.
          const own = run.agentId("shared") === "shared";
          const sh = reused ?? { run_id: run.run_id, dir: run.agentId("shared") };
          const host = await sharedPath(core, sh, !reused);
          const level = def.classification;
          return await interpret(core, run, def, start, {
            // Every step mounts the reused /shared: what classified steps wrote there is an
            // input of each, whatever step ran before it (a refused step's ref carries nothing on).
            spawn: (spec, prompt, local, prev, cap) => {
              const parents = [...new Set([...prev, ...carried])];
              return spawnStep(core, run, shared, host, { spec, prompt, local, parents, cap });
            },
            save: (result) =>
              own ? writeJournal(core, { version: 1, shared: sh, result }) : Promise.resolve(),
            classify: level
              ? async (ref) => {
                const args = await stepLabel(core, ref, level);
                if (!args) return;
                await ctx.call("classify", args, { signal: run.signal }).catch((e) => {
                  if (!run.signal.aborted) throw e;
                });
              }
              : undefined,
          });
        },
      );
    },
  };
}

/** classify's arguments for a step's ref at the definition's level, or none when the ref has that
 * level or a higher one already: what it inherited (a resumed run's /shared may hold restricted
 * data) is never lowered, and its MCP lists are kept. */
async function stepLabel(core: Core, ref: string, level: string) {
  const had = (await core.refs.stamps(ref)).classification;
  if (!had) return { ref, level };
  if (had.level_numeric >= LEVELS.indexOf(level)) return null;
  return { ref, level, allowed_mcps: had.allowed_mcps, denied_mcps: had.denied_mcps };
}

/** The classified refs among a resumed run's: their data may be in the /shared it hands on. */
async function classifiedRefs(core: Core, refs: (string | null)[]): Promise<string[]> {
  const unique = [...new Set(refs.filter((r): r is string => typeof r === "string"))];
  const stamped = await Promise.all(
    unique.map((r) => core.refs.stamps(r).then((s) => s.classification && r, () => undefined)),
  );
  return stamped.filter((r): r is string => typeof r === "string");
}

interface StepJob {
  spec: SandboxSpec;
  prompt: string;
  local: string;
  parents: string[];
  cap?: number;
}

/** One step's agent, with /shared bound; a step its own input refuses is a failed ref, so every
 * execution has one (and the trace a parent chain). */
async function spawnStep(
  core: Core,
  run: RunHandle,
  shared: Map<string, string>,
  host: string,
  j: StepJob,
): Promise<Ref> {
  const agent_id = run.agentId(j.local);
  const key = `${run.run_id}/${agent_id}`;
  shared.set(key, host);
  try {
    const ref = await core.spawn(j.spec, j.prompt, {
      run_id: run.run_id,
      agent_id,
      signal: run.signal,
      parents: j.parents,
      budget_cap: j.cap,
    });
    run.add(ref);
    return ref;
  } catch (e) {
    if (!core.isToolError(e) || !INPUT_CODES.has(e.code)) throw e;
    const stored = e.data?.ref;
    let ref: Ref;
    if (typeof stored === "string") ref = core.refs.wire(await core.refs.get(stored));
    else {
      await core.refs.create(run.run_id, agent_id);
      ref = await core.refs.finish(run.run_id, agent_id, {
        status: "failed",
        exit_code: -1,
        error: e.message,
        duration_seconds: 0,
        parents: j.parents,
      });
    }
    run.add(ref);
    return ref;
  } finally {
    shared.delete(key);
  }
}
