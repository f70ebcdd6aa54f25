// The `claude` agent driver: the real Claude Code CLI in the agent container, prompt on stdin,
// `--output-format stream-json` on stdout. What each flag does was checked against claude 2.1.330
// (test/fixtures/model-server/README.md).
import type {
  AgentDriver,
  AgentJob,
  AgentOutcome,
  ContainerExit,
  Core,
  DriverPlan,
  Plugin,
  PluginFactory,
  SandboxSpec,
  SpawnJob,
} from "../../core/types.ts";
import { claudeFields, EFFORTS } from "./fields.ts";
import { claudeImage } from "./image.ts";
import { readStream, resultError } from "./parse.ts";
import { replyTool } from "./reply.ts";
import { keepSpec, stageSession } from "./session.ts";
import { MCP_CONFIG_PATH, removeCredentials, stageHome } from "./stage.ts";

/** A schema travels on argv: stay well below Linux's 128 KiB limit for one argument. */
const MAX_SCHEMA_CHARS = 100_000;

/** The budget the CLI enforces: the tighter of the spec's and the combinator's. */
export function budgetFor(spec: SandboxSpec, cap: number | undefined): number | undefined {
  const limits = [spec.max_budget, cap].filter((x): x is number =>
    typeof x === "number" && Number.isFinite(x)
  );
  return limits.length ? Math.min(...limits) : undefined;
}

/** Everything the driver could refuse, before the agent has a dir, a slot or an image. */
export function claudeCheck(core: Core, job: SpawnJob): void {
  const { spec } = job;
  const schema = spec.output_schema === undefined ? "" : JSON.stringify(spec.output_schema);
  if (schema.length > MAX_SCHEMA_CHARS) {
    core.fail(
      "TOO_LARGE",
      `Cannot pass "output_schema" to the agent: ${schema.length} characters is over the ${MAX_SCHEMA_CHARS} limit; simplify the schema`,
    );
  }
  if (spec.effort !== undefined && spec.effort !== "" && !EFFORTS.includes(spec.effort)) {
    core.fail(
      "INVALID_INPUT",
      `Cannot use effort ${JSON.stringify(spec.effort)}: use one of ${EFFORTS.join(", ")}`,
    );
  }
  // The CLI refuses 0 and below with exit 1 before doing anything: say why here instead.
  const budget = budgetFor(spec, job.budget_cap);
  if (budget !== undefined && budget <= 0) {
    core.fail(
      "BUDGET_EXCEEDED",
      `Cannot start agent ${job.agent_id}: its budget is $${budget}, nothing is left to spend; raise max_budget or the combinator's budget`,
    );
  }
  const workdir = spec.workdir.replace(/\/+$/, "");
  if (
    spec.claude_md !== undefined &&
    spec.mounts.some((m) => m.container_path.replace(/\/+$/, "") === workdir)
  ) {
    core.fail(
      "INVALID_INPUT",
      `Cannot place claude_md in "${workdir}": a mount covers that workdir; mount the project below it (e.g. ${workdir}/project) or write CLAUDE.md into the mounted directory`,
    );
  }
  if (spec.mcps?.length && !core.tools.has("list_mcps")) {
    core.fail(
      "INVALID_INPUT",
      `Cannot give the agent MCP servers ${
        spec.mcps.join(", ")
      }: the mcp-access plugin is not loaded; add "builtin:mcp-access" to the manifest`,
    );
  }
}

/** Flags only: the entrypoint is `claude`. Nothing secret goes here (ps and docker inspect show
 * argv). The values were judged by claudeCheck before the agent queued. */
export function claudeArgs(job: AgentJob): string[] {
  const { spec } = job;
  const args = [
    "--print",
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "bypassPermissions",
    // Exactly the servers asked for: without it the CLI also loads ~/.claude.json's and a mounted
    // repo's .mcp.json servers (measured: a project server loads in --print mode unapproved).
    "--strict-mcp-config",
    ...(spec.mcps?.length ? ["--mcp-config", MCP_CONFIG_PATH] : []),
    "--model",
    spec.model,
    // --tools restricts; --allowedTools only pre-approves and bypassPermissions approves all anyway.
    // An empty list is "" (no tools), as the CLI documents. It restricts built-in tools only: the
    // --mcp-config servers' mcp__<server>__* tools stay usable with any list (measured, 2.1.330).
    "--tools",
    (spec.tools ?? []).join(","),
  ];
  // The session is kept in HOME (reply continues it); set by reply only, never by a caller.
  if (spec.resume) args.push("--resume", spec.resume.session_id);
  if (spec.system_prompt !== undefined && spec.system_prompt !== "") {
    args.push("--system-prompt", spec.system_prompt);
  }
  if (spec.output_schema !== undefined) {
    args.push("--json-schema", JSON.stringify(spec.output_schema));
  }
  if (spec.effort !== undefined && spec.effort !== "") args.push("--effort", spec.effort);
  const budget = budgetFor(spec, job.budget_cap);
  // Never round a small budget to "0.00" (the reference's f"{x:.2f}" did).
  if (budget !== undefined) {
    args.push("--max-budget-usd", String(Math.max(1e-6, Math.round(budget * 1e6) / 1e6)));
  }
  return args;
}

export function claudeDriver(core: Core): AgentDriver {
  return {
    name: "claude",
    check: (job) => claudeCheck(core, job),
    image: claudeImage(core.config, (m) => core.runtimeError("invalid", m)),

    async prepare(job: AgentJob): Promise<DriverPlan> {
      const cmd = claudeArgs(job);
      const files = {
        ...(job.spec.claude_md !== undefined ? { "CLAUDE.md": job.spec.claude_md } : {}),
        ...job.spec.input_files,
      };
      await core.fs.writeWorkspaceFiles(job.paths.workspace, job.spec.workdir, files);
      const env = await stageHome(core, job);
      await stageSession(core, job);
      await keepSpec(core, job);
      const sandbox = {
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        // claude refuses bypassPermissions as root without it
        ...(job.user?.uid === 0 ? { IS_SANDBOX: "1" } : {}),
      };
      return { entrypoint: ["claude"], cmd, env: { ...sandbox, ...env }, stdin: job.prompt };
    },

    cleanup: (paths) => removeCredentials(paths.home),

    async parse(job: AgentJob, exit: ContainerExit): Promise<AgentOutcome> {
      const s = await readStream(core.fs, job.paths.stream);
      const r = s.result;
      const model = s.model ?? Object.keys(r?.modelUsage ?? {})[0] ?? job.spec.model;
      const base = {
        exit_code: exit.exitCode,
        model,
        session_id: r?.session_id ?? s.session_id,
        cost_usd: typeof r?.total_cost_usd === "number" ? r.total_cost_usd : null,
        num_turns: typeof r?.num_turns === "number" ? r.num_turns : null,
        ...(r?.usage !== undefined ? { usage: r.usage } : {}),
      };
      if (exit.cancelled) {
        return { ...base, status: "cancelled", error: "Cancelled", text: r?.result ?? s.partial };
      }
      // A result line means the agent finished, even if the container was killed while exiting.
      if (!r) {
        if (exit.timedOut) {
          return {
            ...base,
            status: "timeout",
            text: s.partial,
            error:
              `Timed out after ${job.spec.timeout} s (partial output: ${s.partial.length} chars)`,
          };
        }
        const fallback = s.lines
          ? "the CLI ended without a result line"
          : "the CLI wrote no output";
        return {
          ...base,
          status: "failed",
          text: s.partial,
          error: await core.fs.exitError(exit.exitCode, job.paths.stderr, fallback),
        };
      }
      const text = typeof r.result === "string" ? r.result : s.partial;
      if (r.is_error === true || (r.subtype !== undefined && r.subtype !== "success")) {
        return { ...base, status: "failed", text, error: resultError(r) };
      }
      if (job.spec.output_schema !== undefined && r.structured_output == null) {
        // Verified: when the model never calls StructuredOutput the CLI still reports success.
        return {
          ...base,
          status: "failed",
          text,
          error:
            "Claude Code finished without structured output: the agent never called the StructuredOutput tool that output_schema requires",
        };
      }
      return {
        ...base,
        status: "ok",
        error: null,
        text,
        ...(r.structured_output != null ? { structured_output: r.structured_output } : {}),
      };
    },
  };
}

export default ((core: Core): Plugin => ({
  name: "claude-code",
  agents: [claudeDriver(core)],
  fields: claudeFields(core),
  tools: [replyTool(core)],
})) satisfies PluginFactory;
