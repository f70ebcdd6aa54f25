// The `command` agent driver: runs `spec.command` in the container with the prompt on stdin and
// takes stdout as the output text. The output stays in stream.jsonl (the core hashes that file):
// it may be tens of megabytes, so the driver never reads it into memory.
import { stat } from "node:fs/promises";
import { relative } from "node:path";
import type {
  AgentDriver,
  AgentJob,
  AgentOutcome,
  ContainerExit,
  Core,
  DriverPlan,
  Plugin,
  PluginFactory,
  SandboxField,
} from "../../core/types.ts";

declare module "../../core/sandbox-types.ts" {
  interface SandboxSpec {
    command?: string[]; // the argv to run
  }
}

/** A string is a shell line (`sh -c`); a list (or its JSON text) is the argv itself. */
export function commandField(core: Core): SandboxField<string[]> {
  const { v } = core;
  return {
    name: "command",
    schema: v.pipe(
      v.union([v.array(v.string()), v.string()]),
      v.description('For agent "command": the argv, e.g. ["sh","-c","echo hi"]'),
    ),
    normalize: (x, k) =>
      typeof x === "string" && !x.trim().startsWith("[") ? ["sh", "-c", k.text(x)] : k.list(x),
  };
}

export function commandDriver(core: Core): AgentDriver {
  return {
    name: "command",

    check({ spec: { command: argv } }) {
      if (
        !Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string") ||
        argv[0] === ""
      ) {
        core.fail(
          "INVALID_INPUT",
          'Cannot start a "command" agent: the sandbox has no "command"; give the argv to run, e.g. command: ["sh", "-c", "wc -w"]',
        );
      }
      if (argv.some((a) => a.includes("\0"))) {
        core.fail(
          "INVALID_INPUT",
          'Cannot start a "command" agent: an argument of "command" holds a NUL byte',
        );
      }
    },

    async prepare(job: AgentJob): Promise<DriverPlan> {
      const argv = job.spec.command!; // judged by check before the agent queued
      await core.fs.writeWorkspaceFiles(
        job.paths.workspace,
        job.spec.workdir,
        job.spec.input_files ?? {},
      );
      // The entrypoint is set explicitly: the default agent image's ENTRYPOINT is `claude`.
      // No credentials are forwarded: a plain command has no use for the model's API key.
      return { entrypoint: [argv[0]!], cmd: argv.slice(1), env: {}, stdin: job.prompt };
    },

    async parse(job: AgentJob, exit: ContainerExit): Promise<AgentOutcome> {
      const textFile = relative(job.paths.dir, job.paths.stream);
      const base = {
        exit_code: exit.exitCode,
        text_file: textFile,
        cost_usd: null,
        session_id: null,
        num_turns: null,
        model: null,
      };
      if (exit.cancelled) return { ...base, status: "cancelled", error: "Cancelled" };
      if (exit.timedOut) {
        const size = await stat(job.paths.stream).then((s) => s.size, () => 0);
        return {
          ...base,
          status: "timeout",
          error: `Timed out after ${job.spec.timeout} s (partial output: ${size} bytes)`,
        };
      }
      if (exit.exitCode !== 0) {
        return {
          ...base,
          status: "failed",
          error: await core.fs.exitError(
            exit.exitCode,
            job.paths.stderr,
            "the command wrote nothing to stderr",
          ),
        };
      }
      return { ...base, status: "ok", error: null };
    },
  };
}

export default ((core: Core): Plugin => ({
  name: "command",
  agents: [commandDriver(core)],
  fields: [commandField(core)],
})) satisfies PluginFactory;
