// The tool table: validates arguments, runs tools with a ToolContext, and lets one tool call
// another (ctx.call), which is how combinators compose. Knows nothing of MCP.
import * as v from "valibot";
import { fail } from "./errors.ts";
import { logger } from "./log.ts";
import { activeRun } from "./run-scope.ts";
import { checkArgumentNames, type FieldInputs, noFields, toolInput } from "./tool-input.ts";
import type { Logger, RunHandle, Tool, ToolContext } from "./types.ts";

export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_CALL_DEPTH = 16;

export interface CallScope {
  signal: AbortSignal;
  progress?: ToolContext["progress"];
  depth?: number;
  /** The caller's run, which an agent-starting tool joins. */
  run?: RunHandle;
}

/** "field.sub: message" for the first few issues, so the model knows which argument to fix. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.slice(0, 5).map((i) => {
    const path = i.path?.map((p) => String(p.key)).join(".") || "(arguments)";
    return `${path}: ${i.message}`;
  }).join("; ");
}

export class ToolRegistry {
  readonly tools = new Map<string, { tool: Tool; plugin: string }>();

  /** `fields`: the sandbox fields agent-starting tools take (none in a bare registry). */
  constructor(private readonly fields: FieldInputs = noFields) {}

  add(plugin: string, tool: Tool): void {
    if (!TOOL_NAME.test(tool.name)) {
      throw new Error(`tool name "${tool.name}" must match ${TOOL_NAME}`);
    }
    const other = this.tools.get(tool.name);
    if (other) {
      throw new Error(`tool "${tool.name}" is already provided by plugin "${other.plugin}"`);
    }
    this.tools.set(tool.name, { tool, plugin });
  }

  /** The tools as tools/list publishes them: strict inputs, sandbox fields added. */
  list(): Tool[] {
    return [...this.tools.values()].map(({ tool }) => ({
      ...tool,
      input: toolInput(tool, this.fields, true),
    }));
  }

  /** Validate and run a tool. Validation failures are INVALID_INPUT naming the field. */
  async invoke(name: string, args: unknown, scope: CallScope): Promise<unknown> {
    const entry = this.tools.get(name);
    if (!entry) {
      fail(
        "NOT_FOUND",
        `Cannot call tool "${String(name).slice(0, 80)}": no such tool; known tools: ${
          [...this.tools.keys()].join(", ")
        }`,
      );
    }
    const depth = scope.depth ?? 0;
    if (depth > MAX_CALL_DEPTH) {
      fail(
        "INVALID_INPUT",
        `Cannot call tool "${name}": calls are nested more than ${MAX_CALL_DEPTH} deep`,
      );
    }
    if (args !== undefined && args !== null && (typeof args !== "object" || Array.isArray(args))) {
      fail(
        "INVALID_INPUT",
        `Invalid arguments for ${name}: expected an object of named arguments, got ${
          Array.isArray(args) ? "an array" : typeof args
        }`,
      );
    }
    const input = toolInput(entry.tool, this.fields);
    checkArgumentNames(name, input, args ?? {});
    const parsed = v.safeParse(input, args ?? {});
    if (!parsed.success) {
      fail("INVALID_INPUT", `Invalid arguments for ${name}: ${describeIssues(parsed.issues)}`, {
        fields: parsed.issues.slice(0, 5).map((i) =>
          i.path?.map((p) => String(p.key)).join(".") ?? ""
        ),
      });
    }
    if (scope.signal.aborted) throw scope.signal.reason;
    const log: Logger = logger(`${entry.plugin}/${name}`);
    const ctx: ToolContext = {
      signal: scope.signal,
      log,
      progress: scope.progress ?? (() => {}),
      // Called from inside a run, the callee joins it and defaults to its signal (the run may
      // outlive this call); the caller's progress goes on being reported either way.
      call: (tool, a, o) => {
        const run = activeRun();
        const signal = o?.signal ?? run?.signal ?? scope.signal;
        return this.invoke(tool, a, { signal, depth: depth + 1, run, progress: ctx.progress });
      },
      run: scope.run,
      nested: depth > 0,
    };
    return await entry.tool.run(parsed.output, ctx);
  }
}
