// The page's JSON: the runs of this data dir, one run with its agents, one agent (prompt, tail,
// post-mortem), and cancel. Everything an agent wrote is read through core.refs (no-follow,
// bounded, "(encrypted)" for a sealed ref), ids are checked by the core before any path is built.
import type { Core, Ref, RefPart, RunInfo } from "../../core/types.ts";
import type { Live } from "./live.ts";
import { costs } from "./cost.ts";
import { tailOf } from "./tail.ts";

const MAX_RUNS = 500;
const MAX_AGENTS = 500;
const MAX_MODEL_CHARS = 200;

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });

/** The {limit, spent} a budgeted call reports in its result (combinators' budget, pipeline's). */
const budgetOf = (result: unknown) => {
  const b = (result as { budget?: { limit?: unknown; spent?: unknown } } | null)?.budget;
  const limit = Number(b?.limit), spent = Number(b?.spent);
  return b && Number.isFinite(limit) && Number.isFinite(spent) ? { limit, spent } : null;
};

/** A run as the list shows it: no result, no ref ids (a map's can be thousands). */
const brief = ({ result, refs, ...info }: RunInfo) => ({
  ...info,
  agents: refs.length,
  budget: budgetOf(result),
});

/** What the page shows of a finished agent (the SSE stream too): no error text, no structured
 * output, no host path. */
export const agentRow = (r: Ref) => ({
  ref: r.ref,
  run_id: r.run_id,
  agent_id: r.agent_id,
  status: r.status,
  model: r.model?.slice(0, MAX_MODEL_CHARS) ?? null, // the agent's word, and it may be megabytes
  cost_usd: r.cost_usd,
  duration_seconds: r.duration_seconds,
  exit_code: r.exit_code,
  parents: r.parents,
  encrypted: r.stamps?.encryption !== undefined,
});

/** A pipeline's trace (steps, jumps, reasons) and budget from its journal, <run dir>/pipeline.json:
 * the server writes it, but the run dir also holds agent-writable dirs, so it is read no-follow,
 * bounded, and only known fields are passed on, as strings and numbers. */
async function pipelineTrace(core: Core, runId: string) {
  const file = `${core.refs.runDir(runId)}/pipeline.json`;
  const r = await core.fs.readNoFollow(file, 4 << 20);
  let j: { result?: { trace?: unknown; budget?: { limit?: unknown; spent?: unknown } | null } };
  try {
    j = JSON.parse(r.text);
  } catch {
    return null;
  }
  const str = (v: unknown) => (v == null ? null : String(v).slice(0, 500));
  const trace = Array.isArray(j?.result?.trace) ? j.result.trace.slice(0, 500) : [];
  return {
    budget: budgetOf(j?.result),
    steps: trace.map((t: Record<string, unknown>) => ({
      step_id: str(t?.step_id),
      ref: str(t?.ref),
      status: str(t?.status),
      jumped_to: str(t?.jumped_to),
      reason: str(t?.reason),
      cost_usd: typeof t?.cost_usd === "number" ? t.cost_usd : null,
    })),
  };
}

export function api(core: Core, live: Live) {
  /** A ToolError (bad id, unknown run) is the caller's: its sentence with 400/404; others throw. */
  const guard = (fn: (url: URL) => Promise<unknown>) => async (req: Request) => {
    try {
      return json(await fn(new URL(req.url)));
    } catch (e) {
      if (!core.isToolError(e)) throw e;
      return json({ error: e.message }, e.code === "NOT_FOUND" ? 404 : 400);
    }
  };
  const param = (url: URL, name: string) => url.searchParams.get(name) ?? "";
  const read = async (ref: string, part: RefPart, maxBytes: number, fromEnd = false) =>
    (await core.refs.read(ref, part, { maxBytes, fromEnd, display: true })).text;

  /** The nested calls an agent id names ("par-1.agent-0" → "par-1"), as run-scope.ts prefixes
   * them: leading "<tool>-<n>" segments of a loaded tool; the rest is the agent's (a step's "test.1"). */
  const callOf = (id: string) => {
    const segs = id.split(".");
    let n = 0;
    while (n < segs.length - 1 && core.tools.has(/^(.+)-[1-9]\d*$/.exec(segs[n]!)?.[1] ?? "")) n++;
    return segs.slice(0, n).join(".");
  };

  return {
    runs: guard(async () => ({ runs: (await core.runs.list(MAX_RUNS)).map(brief) })),
    cost: guard(costs(core)),

    run: guard(async (url) => {
      const info = await core.runs.status(param(url, "id"));
      const done = await Promise.all(
        info.refs.slice(0, MAX_AGENTS).map((r) => core.refs.get(r).then(core.refs.wire)),
      );
      return {
        run: brief(info),
        agents: done.map((r) => ({ ...agentRow(r), call: callOf(r.agent_id) })),
        running: live.inFlight(info.run_id).map((a) => ({ ...a, call: callOf(a.agent_id) })),
        pipeline: info.tool === "pipeline" ? await pipelineTrace(core, info.run_id) : null,
      };
    }),

    agent: guard(async (url) => {
      const { run_id, agent_id } = core.refs.parse(param(url, "ref"));
      const ref = `${run_id}/${agent_id}`;
      const rec = await core.refs.get(ref).catch((e) => {
        if (core.isToolError(e) && e.code === "NOT_FOUND") return null; // still running
        throw e;
      });
      const row = rec && agentRow(core.refs.wire(rec));
      const failed = !!row && row.status !== "ok";
      return {
        ref,
        run_id,
        agent: row,
        running: live.inFlight(run_id).find((a) => a.agent_id === agent_id) ?? null,
        // A failed agent's error quotes its output (a result's text, a stderr tail): sealed too.
        error: row?.encrypted ? "(encrypted)" : rec?.error ?? null,
        prompt: await read(ref, "prompt", 16 * 1024),
        tail: await tailOf(core, ref),
        artifacts: (await read(ref, "artifacts", 32 * 1024, true)).split("\n").slice(-30),
        files: (await core.refs.read(ref, "workspace", { maxEntries: 100, display: true })).text,
        stderr: failed ? await read(ref, "stderr", 2000, true) : "",
      };
    }),

    /** POST {run_id, agent_id?}: what the cancel tool does. The page sends x-swarm-web, which a
     * form posted from another site cannot (the cookie is SameSite=Strict, foreign Origins are
     * refused too). With agent_id only that agent stops (core.runs.cancelAgent). */
    async cancel(req: Request) {
      if (req.headers.get("x-swarm-web") !== "1") {
        return json(
          { error: "Cannot cancel: send the x-swarm-web: 1 header, as the page does" },
          403,
        );
      }
      // Any JSON may come (null, {"run_id": {"toString": 1}}): ids are strings or "", which the
      // core refuses with its sentence.
      const body = await req.json().catch(() => null) as { run_id?: unknown; agent_id?: unknown };
      const id = (v: unknown) => (typeof v === "string" ? v : "");
      const runId = id(body?.run_id);
      return guard(async () => {
        if (body?.agent_id == null) return brief(await core.runs.cancel(runId));
        const ref = await core.runs.cancelAgent(`${runId}/${id(body.agent_id)}`);
        return { agent: agentRow(ref) };
      })(req);
    },
  };
}
