// wait, status, cancel, runs: finish the story of a call that returned {status: "running", run_id}.
import type { Core, Tool } from "../../core/types.ts";

export function runTools(core: Core): Tool[] {
  const { v } = core;
  const runId = v.pipe(
    v.string(),
    v.description("The run_id returned by the call, 12 hex characters"),
  );
  const waitS = v.optional(
    v.pipe(
      v.number(),
      v.minValue(0),
      v.maxValue(3600),
      v.description('Seconds to wait before returning {status: "running"} again (default 50)'),
    ),
    50,
  );
  const str = { type: "string" };
  const num = { type: "number" };
  /** A run's record, as status, cancel and runs show it. */
  const run = {
    type: "object" as const,
    properties: { run_id: str, status: str, done: num, cost_usd: num },
  };
  return [
    {
      name: "wait",
      description:
        'Wait for a run that returned {status: "running", run_id}: the finished result, or {status: "running"} again after wait_s (then call wait again; never start the work again).',
      annotations: { readOnlyHint: true, openWorldHint: false },
      // What the waited-for tool returns: any of their shapes, or {status: "running", run_id}.
      output: { type: "object", properties: { run_id: str, status: str } },
      input: v.object({ run_id: runId, wait_s: waitS }),
      run: ({ run_id, wait_s }, ctx) => core.runs.wait(run_id, wait_s, ctx),
    },
    {
      name: "status",
      description:
        "Report a run's progress without waiting: status (running, done, failed, cancelled), agents done/total/failed, cost so far and the refs finished so far.",
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      output: run,
      input: v.object({ run_id: runId }),
      run: ({ run_id }) => core.runs.status(run_id).then(({ result: _r, ...info }) => info),
    },
    {
      name: "cancel",
      description:
        "Cancel a running run: its containers are killed within seconds; refs already finished are kept. Returns the run's status. With agent_id, only that agent stops; the run goes on.",
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
      output: run,
      input: v.object({
        run_id: runId,
        agent_id: v.optional(v.pipe(v.string(), v.description("One running agent of the run"))),
      }),
      run: async ({ run_id, agent_id }) => {
        if (agent_id !== undefined) await core.runs.cancelAgent(`${run_id}/${agent_id}`);
        const { result: _r, ...info } =
          await (agent_id === undefined ? core.runs.cancel(run_id) : core.runs.status(run_id));
        return info;
      },
    },
    {
      name: "runs",
      description:
        "List recent runs, newest first, with tool, status, agents done/failed and cost. Use it to find a run_id again.",
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      output: { type: "object", properties: { runs: { type: "array", items: run } } },
      input: v.object({
        limit: v.optional(
          v.pipe(
            v.number(),
            v.integer(),
            v.minValue(1),
            v.maxValue(200),
            v.description("How many runs (default 20)"),
          ),
          20,
        ),
      }),
      run: async ({ limit }) => ({
        runs: (await core.runs.list(limit)).map(({ result: _r, refs: _f, ...info }) => info),
      }),
    },
  ];
}
