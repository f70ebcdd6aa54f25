// A pipeline definition: a JSON object, its text, or a name looked up as pipelines/<name>.json on
// the search paths. Checked whole before anything starts: unknown keys, unknown targets and bad
// sandbox fields are refused with the step and the field named (the reference failed mid-run, or
// treated an unknown target as a silent stop).
import { join } from "node:path";
import type { Core, SandboxSpec } from "../../core/types.ts";

/** The explicit "end here" target of on_fail, next and retry_if. */
export const STOP = "$stop";
/** Step ids never hold a dot, so "<id>.<n>" agent ids never collide with each other or "shared". */
export const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;
const MAX_BYTES = 1024 * 1024;
const MAX_STEPS = 50;
const MAX_RETRIES = 20;
const TOP = ["name", "sandbox", "budget", "deadline_seconds", "classification", "steps"];
const OWN = ["id", "prompt", "on_fail", "next", "condition", "max_retries", "retry_if", "sandbox"];
const CONDITIONS = ["prev.error"];
/** The security plugin's levels (classify refuses any other). */
export const LEVELS = ["public", "internal", "confidential", "restricted"];

export interface Step {
  id: string;
  prompt: string;
  on_fail?: string;
  next?: string;
  condition?: string;
  /** How many times jumps (on_fail, next, retry_if) may enter this step. */
  max_retries: number;
  /** [target, keyword] in the order given: the first keyword found in the output decides. */
  retry_if: [string, string][];
  spec: SandboxSpec;
}

export interface Definition {
  name: string;
  budget?: number;
  deadline_seconds?: number;
  classification?: string;
  steps: Step[];
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => !!x && typeof x === "object" && !Array.isArray(x);
/** A value in an error sentence; one nested past the stack (String() recurses) is named so. */
const show = (x: unknown) => {
  try {
    return JSON.stringify(String(x).slice(0, 64));
  } catch {
    return "(a value nested too deeply)";
  }
};

/** The definition an argument names: an object, JSON text, or a saved pipeline's name. */
export async function loadDefinition(core: Core, arg: unknown): Promise<Definition> {
  if (isObj(arg)) return await checkDefinition(core, arg, "pipeline");
  if (typeof arg !== "string") {
    core.fail(
      "INVALID_INPUT",
      `Cannot run pipeline: "definition" is a ${typeof arg}; give an object, its JSON text or a saved pipeline's name`,
    );
  }
  if (arg.trimStart().startsWith("{")) {
    return await checkDefinition(core, parse(core, arg, "the definition text"), "pipeline");
  }
  return await checkDefinition(core, await readNamed(core, arg), arg);
}

function parse(core: Core, text: string, what: string): Obj {
  if (text.length > MAX_BYTES) {
    core.fail("TOO_LARGE", `Cannot run pipeline: ${what} is over 1 MiB; shorten the prompts`);
  }
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    core.fail(
      "INVALID_INPUT",
      `Cannot run pipeline: ${what} is not valid JSON (${(e as Error).message}); fix it`,
    );
  }
  if (!isObj(x)) core.fail("INVALID_INPUT", `Cannot run pipeline: ${what} is not a JSON object`);
  return x;
}

/** pipelines/<name>.json from the first search path that has it, read without following links. */
async function readNamed(core: Core, name: string): Promise<Obj> {
  if (name.length > 64 || !NAME.test(name)) {
    core.fail(
      "INVALID_INPUT",
      `Cannot find pipeline ${
        show(name)
      }: a name is letters, digits, "_", "-" and inner dots (up to 64), no path; or pass the definition itself`,
    );
  }
  const dirs = core.sandboxes.searchPaths("pipelines");
  for (const dir of dirs) {
    const file = join(dir, `${name}.json`);
    // pipelines/ itself may be a link an agent planted in a project it has mounted: not followed.
    const r = await core.fs.readInDir(dir, `${name}.json`, MAX_BYTES + 1);
    if (r.skipped === "missing") continue;
    if (r.skipped) {
      core.fail(
        "FORBIDDEN",
        `Cannot load pipeline "${name}" from ${file}: it is ${r.skipped}; a saved pipeline must be a regular file in a real directory`,
      );
    }
    if (r.truncated) core.fail("TOO_LARGE", `Cannot load pipeline ${file}: it is over 1 MiB`);
    return parse(core, r.text, file);
  }
  return core.fail(
    "NOT_FOUND",
    `Cannot find pipeline "${name}": no ${name}.json in ${
      dirs.join(", ") || "any search path"
    }; save it there or pass the definition itself`,
  );
}

/** Every check, in one pass, before anything starts. */
export async function checkDefinition(core: Core, raw: Obj, fallback: string): Promise<Definition> {
  const label = typeof raw.name === "string" && raw.name ? raw.name.slice(0, 64) : fallback;
  const bad = (msg: string): never =>
    core.fail("INVALID_INPUT", `Cannot run pipeline "${label}": ${msg}`);
  const extra = Object.keys(raw).filter((k) => !TOP.includes(k));
  if (extra.length) bad(`unknown key ${show(extra[0])}; the keys are ${TOP.join(", ")}`);
  if (raw.name !== undefined && (typeof raw.name !== "string" || raw.name.length > 200)) {
    bad('"name" must be a string of up to 200 characters');
  }
  const num = (k: string, ok: (n: number) => boolean, what: string) => {
    const x = raw[k];
    if (x !== undefined && !(typeof x === "number" && Number.isFinite(x) && ok(x))) {
      bad(`"${k}" is ${show(x && typeof x === "object" ? "an object" : x)}; give ${what}`);
    }
    return x as number | undefined;
  };
  const budget = num("budget", (n) => n >= 0, "USD as a number, 0 or more");
  const deadline = num(
    "deadline_seconds",
    (n) => n > 0 && n <= 7 * 86400,
    "seconds (up to 7 days)",
  );
  const classification = raw.classification as string | undefined;
  if (classification !== undefined) {
    if (!LEVELS.includes(classification)) {
      bad(`"classification" is ${show(classification)}; use one of ${LEVELS.join(", ")}`);
    }
    if (!core.tools.has("classify")) bad('"classification" needs the security plugin (classify)');
  }
  const steps = raw.steps;
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_STEPS) {
    bad(`"steps" must be a list of 1 to ${MAX_STEPS} steps, each {"prompt": …}`);
  }
  const fields = new Set(core.sandboxes.fields().map((f) => f.name));
  const ids = (steps as unknown[]).map((
    s,
    i,
  ) => (isObj(s) && s.id !== undefined ? s.id : `step-${i}`));
  const out: Step[] = [];
  for (const [i, s] of (steps as unknown[]).entries()) {
    const at = `steps[${i}]${isObj(s) && typeof s.id === "string" ? ` (${show(s.id)})` : ""}`;
    const wrong = (msg: string): never => bad(`${at} ${msg}`);
    if (!isObj(s)) return wrong('is not an object; give {"prompt": …}');
    const unknown = Object.keys(s).find((k) => !OWN.includes(k) && !fields.has(k));
    if (unknown !== undefined) {
      wrong(`has unknown key ${show(unknown)}; the keys are ${OWN.join(", ")} and sandbox fields`);
    }
    const id = ids[i];
    if (typeof id !== "string" || !STEP_ID.test(id)) {
      return wrong('has an id that is not letters, digits, "_" or "-" (up to 48, no dots)');
    }
    if (ids.indexOf(id) !== i) wrong(`repeats the id "${id}"; ids must be unique`);
    if (typeof s.prompt !== "string" || !s.prompt.trim() || s.prompt.length > MAX_BYTES) {
      wrong('has no "prompt" (a non-empty string up to 1 MiB)');
    }
    const target = (k: string, x: unknown) => {
      if (x === STOP || (typeof x === "string" && ids.includes(x))) return x as string;
      return wrong(
        `has ${k} ${show(x)}, which is no step id; use one of ${ids.join(", ")} or "${STOP}"`,
      );
    };
    const on_fail = s.on_fail === undefined ? undefined : target("on_fail", s.on_fail);
    const next = s.next === undefined ? undefined : target("next", s.next);
    if (s.condition !== undefined && !CONDITIONS.includes(s.condition as string)) {
      wrong(`has condition ${show(s.condition)}; the only condition is "prev.error"`);
    }
    const max = s.max_retries ?? 3;
    if (!Number.isInteger(max) || (max as number) < 0 || (max as number) > MAX_RETRIES) {
      wrong(`has max_retries ${show(max)}; give a whole number from 0 to ${MAX_RETRIES}`);
    }
    if (s.retry_if !== undefined && !isObj(s.retry_if)) {
      wrong('has a retry_if that is not {"<step id>": "<keyword>"}');
    }
    const retry_if = Object.entries((s.retry_if ?? {}) as Obj).map(([t, kw]): [string, string] => {
      if (typeof kw !== "string" || !kw || kw.length > 1000) {
        wrong(`has retry_if keyword ${show(kw)} for ${show(t)}; give a non-empty string`);
      }
      return [target("a retry_if target", t), kw as string];
    });
    const overrides = Object.fromEntries(Object.entries(s).filter(([k]) => fields.has(k)));
    const spec = await core.sandboxes.resolve(s.sandbox ?? raw.sandbox, overrides).catch((e) => {
      if (!core.isToolError(e)) throw e;
      core.fail(e.code, `Cannot run pipeline "${label}": ${at}: ${e.message}`);
    });
    if ([...spec.mounts.map((m) => m.container_path), spec.workdir].some(onShared)) {
      wrong("mounts something at /shared or works there; /shared is the pipeline's shared dir");
    }
    // Each ref is classified once its step ends; the first step must not reach out either.
    if (classification === "restricted" && spec.network !== false && spec.network !== "none") {
      wrong('needs network false: the pipeline is classified "restricted"');
    }
    out.push({
      id,
      prompt: s.prompt as string,
      on_fail,
      next,
      condition: s.condition as string | undefined,
      max_retries: max as number,
      retry_if,
      spec,
    });
  }
  return { name: label, budget, deadline_seconds: deadline, classification, steps: out };
}

const onShared = (p: string) => /^\/shared(\/|$)/.test(p.replace(/\/+/g, "/"));
