// Task lists as callers give them: a list (or its JSON), each task's shape checked before anything
// starts, and the layering of sandbox fields from the call down to one task.
import type { Core, SandboxSpec } from "../../core/types.ts";
import { MAX_PROMPT, splitArgs } from "./_common.ts";
import type { TaskRun } from "./_tasks.ts";

export const MAX_TASKS = 1000;

/** A list given as a JSON array, as a JSON string of one, or (for composing) a result with "results". */
export function parseList(core: Core, field: string, raw: unknown, max = MAX_TASKS): unknown[] {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch (e) {
      core.fail(
        "INVALID_INPUT",
        `Cannot parse "${field}" as JSON: ${
          (e as Error).message
        }; pass a list, or a JSON array string`,
      );
    }
  }
  if (
    value && typeof value === "object" && !Array.isArray(value) &&
    Array.isArray((value as { results?: unknown }).results)
  ) {
    value = (value as { results: unknown[] }).results;
  }
  if (!Array.isArray(value)) {
    core.fail(
      "INVALID_INPUT",
      `Cannot use "${field}": expected a list, got ${value === null ? "null" : typeof value}`,
    );
  }
  if (value.length === 0) {
    core.fail("INVALID_INPUT", `Cannot use "${field}": the list is empty; give at least one item`);
  }
  if (value.length > max) {
    core.fail(
      "TOO_LARGE",
      `Cannot use "${field}": ${value.length} items is over the limit of ${max}; split the work into several calls`,
    );
  }
  return value;
}

export interface TaskSpec {
  prompt: string;
  sandbox?: unknown;
  fields: Record<string, unknown>;
}

/** Tasks are checked for shape up front (nothing has started yet); their field values per task. */
export function parseTasks(core: Core, field: string, raw: unknown): TaskSpec[] {
  const known = new Set(["sandbox", ...core.sandboxes.fields().map((f) => f.name)]);
  return parseList(core, field, raw).map((t, i) => {
    if (!t || typeof t !== "object" || Array.isArray(t)) {
      core.fail(
        "INVALID_INPUT",
        `Cannot use ${field}[${i}]: each item must be an object like {"prompt": "…"}`,
      );
    }
    const { prompt, sandbox, ...rest } = t as Record<string, unknown>;
    if (typeof prompt !== "string" || prompt.trim() === "") {
      core.fail("INVALID_INPUT", `Cannot use ${field}[${i}]: it needs a non-empty "prompt" string`);
    }
    if (prompt.length > MAX_PROMPT) {
      core.fail(
        "TOO_LARGE",
        `Cannot use ${field}[${i}]: its prompt is over 1 MiB; put large inputs in files and mount them`,
      );
    }
    const unknown = Object.keys(rest).filter((k) => !known.has(k));
    if (unknown.length) {
      core.fail(
        "INVALID_INPUT",
        `Cannot use ${field}[${i}]: unknown field "${
          unknown[0]
        }"; a task takes "prompt", "sandbox" and the sandbox fields (${
          [...known].filter((k) => k !== "sandbox").join(", ")
        })`,
      );
    }
    const fields = Object.fromEntries(
      Object.entries(rest).filter(([, x]) => x !== undefined && x !== null),
    );
    return { prompt, sandbox: sandbox ?? undefined, fields };
  });
}

/**
 * The spec for one task: built-in defaults < the call's sandbox < the call's fields < the task's
 * sandbox < the task's fields. Fields nobody gave never override anything.
 */
export async function taskSpec(
  core: Core,
  top: Top,
  task: TaskSpec,
  where: string,
): Promise<SandboxSpec> {
  // Field values are judged by resolve (each field's own check); the sandbox's shape here.
  let layer: Record<string, unknown> = {};
  const s = task.sandbox;
  if (
    s !== undefined && typeof s !== "string" && (!s || typeof s !== "object" || Array.isArray(s))
  ) {
    core.fail("INVALID_INPUT", `Cannot use ${where}.sandbox: expected a saved spec name or object`);
  }
  if (typeof s === "string" && s.trim() !== "" && !s.trim().startsWith("{")) {
    layer = await core.sandboxes.load(s.trim());
  } else if (typeof s === "string" && s.trim() !== "") {
    try {
      layer = JSON.parse(s);
    } catch (e) {
      core.fail("INVALID_INPUT", `Cannot parse ${where}.sandbox as JSON: ${(e as Error).message}`);
    }
  } else if (s && typeof s === "object") layer = s as Record<string, unknown>;
  return core.sandboxes.resolve(top.sandbox, { ...top.overrides, ...layer, ...task.fields });
}

type Top = { sandbox: unknown; overrides: Record<string, unknown> };

/** The start of every tool that takes a task list: split the arguments, read the list, and check
 * the call-level sandbox so a bad field fails the call before anything starts. */
export async function taskCall(
  core: Core,
  args: Record<string, unknown>,
  own: string[],
  field: string,
): Promise<{ top: Top; tasks: TaskSpec[]; rest: Record<string, unknown> }> {
  const { sandbox, overrides, rest } = splitArgs(args, own);
  const tasks = parseTasks(core, field, rest[field]);
  await core.sandboxes.resolve(sandbox, overrides);
  return { top: { sandbox, overrides }, tasks, rest };
}

/** runTask's spec for item i of a task list. A task with nothing of its own has only the call's
 * fields, so its input errors are the call's and fail it (callLevel). */
export function listedSpec(
  core: Core,
  top: Top,
  task: TaskSpec,
  where: string,
): Pick<TaskRun, "spec" | "callLevel"> {
  return {
    spec: () => taskSpec(core, top, task, where),
    callLevel: task.sandbox === undefined && Object.keys(task.fields).length === 0,
  };
}
