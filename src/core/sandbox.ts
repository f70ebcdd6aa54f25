// SandboxSpec: defaults, the input schema shared by every tool that starts agents, and resolution
// (built-in defaults < named spec < inline spec < explicit arguments; an absent argument never
// overrides). Values arrive in their natural JSON type or as the reference's strings.
import * as v from "valibot";
import { chmod, mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fail } from "./errors.ts";
import { checkEnvNames, checkWorkdir, memoryBytes, NETWORK_NAME } from "./container-policy.ts";
import { checkImageRef } from "./image-ref.ts";
import { logger } from "./log.ts";
import type { Json, Mount, SandboxRegistry, SandboxSpec } from "./types.ts";

export const DEFAULT_TOOLS = ["Read", "Write", "Glob", "Grep", "Bash"];
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_SPEC_BYTES = 1024 * 1024;
const log = logger("sandbox");

export function defaultSpec(): SandboxSpec {
  return {
    agent: "claude",
    model: "sonnet",
    tools: [...DEFAULT_TOOLS],
    mcps: [],
    mounts: [],
    workdir: "/workspace",
    input_files: {},
    network: true,
    gpu: false,
    resources: [],
    timeout: 1800,
    env_vars: {},
  };
}

const d = <S extends v.GenericSchema>(schema: S, text: string) =>
  v.pipe(schema, v.description(text));
const listOrString = (what: string) =>
  d(
    v.union([v.array(v.string()), v.string()]),
    `${what}: a list, or a comma-separated / JSON-array string`,
  );
const mountSchema = v.object({
  host_path: d(v.string(), "Absolute host path (may start with ~)"),
  container_path: d(v.string(), "Absolute path inside the container"),
  readonly: v.optional(d(v.boolean(), "Mount read-only (default true)")),
});

/** Sandbox fields every agent-starting tool accepts; all optional, so absent ones never override. */
export const sandboxFields = {
  sandbox: v.optional(
    d(
      v.union([v.string(), v.record(v.string(), v.unknown())]),
      "A saved sandbox spec name, or an inline spec (object or JSON string) with any of the fields below",
    ),
  ),
  model: v.optional(
    d(v.string(), 'Model for the agent, e.g. "sonnet", "opus", "haiku" (default "sonnet")'),
  ),
  tools: v.optional(
    listOrString(
      "Tools the agent may use (default Read,Write,Glob,Grep,Bash); enforced with --tools",
    ),
  ),
  mounts: v.optional(
    d(
      v.union([v.array(mountSchema), v.string()]),
      "Host directories to mount: [{host_path, container_path, readonly=true}]",
    ),
  ),
  network: v.optional(
    d(
      v.union([v.boolean(), v.string()]),
      "true: default bridge network, false: no network, a string: that Docker network",
    ),
  ),
  timeout: v.optional(
    d(
      v.union([v.number(), v.string()]),
      "Seconds before the agent is killed (default 1800); partial output is kept",
    ),
  ),
  system_prompt: v.optional(d(v.string(), "System prompt for the agent")),
  claude_md: v.optional(d(v.string(), "Contents of CLAUDE.md placed in the agent's workdir")),
  output_schema: v.optional(
    d(
      v.union([v.record(v.string(), v.unknown()), v.string()]),
      "JSON Schema the agent's final answer must match (passed as --json-schema)",
    ),
  ),
  mcps: v.optional(listOrString("Names of MCP servers from your ~/.claude.json to give the agent")),
  effort: v.optional(d(v.string(), 'Reasoning effort: "low", "medium", "high"')),
  max_budget: v.optional(
    d(v.union([v.number(), v.string()]), "Maximum USD this agent may spend (--max-budget-usd)"),
  ),
  env_vars: v.optional(
    d(
      v.union([v.record(v.string(), v.string()), v.string()]),
      "Environment variables for the container (never put on a command line)",
    ),
  ),
  input_files: v.optional(
    d(
      v.union([v.record(v.string(), v.string()), v.string()]),
      "Files to create in the workdir: {relative path: content}",
    ),
  ),
  memory: v.optional(d(v.string(), 'Memory limit, e.g. "2g"')),
  cpus: v.optional(d(v.union([v.number(), v.string()]), "CPU limit, e.g. 1.5")),
  gpu: v.optional(
    d(
      v.union([v.boolean(), v.string()]),
      'Give the container the GPUs (takes a slot of the "gpu" pool)',
    ),
  ),
  resources: v.optional(
    listOrString(
      'Named resource pools to hold while running, e.g. ["db"]; sizes from SWARM_RESOURCE_<name>',
    ),
  ),
  input_type: v.optional(
    d(v.string(), "Natural-language type of the input (a registered type name or text)"),
  ),
  output_type: v.optional(d(v.string(), "Natural-language type the output must have")),
  agent: v.optional(d(v.string(), 'Agent driver: "claude" (default) or "command"')),
  image: v.optional(
    d(v.string(), "Docker image for the agent (default SWARM_IMAGE or the built agent image)"),
  ),
  command: v.optional(
    d(
      v.union([v.array(v.string()), v.string()]),
      'For agent "command": the argv to run, e.g. ["sh","-c","echo hi"]',
    ),
  ),
  workdir: v.optional(d(v.string(), "Working directory inside the container (default /workspace)")),
};

export const SPEC_KEYS = Object.keys(sandboxFields).filter((k) => k !== "sandbox");

function parseJson(field: string, raw: string): unknown {
  if (raw.length > MAX_SPEC_BYTES) {
    fail("TOO_LARGE", `Cannot use "${field}": ${raw.length} characters is over the 1 MiB limit`);
  }
  try {
    return JSON.parse(raw);
  } catch (e) {
    fail(
      "INVALID_INPUT",
      `Cannot parse "${field}" as JSON: ${
        (e as Error).message
      }; pass a JSON value or the natural type`,
    );
  }
}

const isStr = (x: unknown): x is string => typeof x === "string";

/** A value as an error message shows it: its JSON type, then the start of its JSON text. */
function shown(x: unknown): string {
  const type = x === null ? "null" : Array.isArray(x) ? "array" : typeof x;
  const text = JSON.stringify(x) ?? String(x);
  return `${type} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function wrong(field: string, expected: string, x: unknown): never {
  fail(
    "INVALID_INPUT",
    `Cannot use sandbox field "${field}": expected ${expected}, got ${
      shown(x)
    }; fix that field or leave it out`,
  );
}

function list(field: string, x: unknown): string[] {
  if (isStr(x)) {
    const t = x.trim();
    if (t.startsWith("[")) x = parseJson(field, t);
    else return t === "" ? [] : t.split(",").map((s) => s.trim()).filter(Boolean);
  }
  if (!Array.isArray(x) || !x.every(isStr)) {
    wrong(field, "a list of strings or a comma-separated string", x);
  }
  if (x.length > 256) wrong(field, "at most 256 items", x);
  return x;
}

function record(field: string, x: unknown): Record<string, string> {
  if (isStr(x)) x = parseJson(field, x);
  if (!x || typeof x !== "object" || Array.isArray(x)) {
    wrong(field, 'an object of strings, like {"KEY": "value"}', x);
  }
  for (const [k, s] of Object.entries(x)) {
    if (!isStr(s)) wrong(`${field}.${k.slice(0, 60)}`, "a string", s);
  }
  return x as Record<string, string>;
}

function mounts(x: unknown): Mount[] {
  if (isStr(x)) x = parseJson("mounts", x);
  if (!Array.isArray(x)) {
    fail(
      "INVALID_INPUT",
      `Cannot use "mounts": expected a list like [{"host_path": "/src", "container_path": "/workspace/src"}]`,
    );
  }
  return x.map((m, i) => {
    if (
      !m || typeof m !== "object" || !isStr(m.host_path) || !isStr(m.container_path) ||
      (m.readonly !== undefined && typeof m.readonly !== "boolean")
    ) {
      fail(
        "INVALID_INPUT",
        `Cannot use mounts[${i}]: each mount needs "host_path" and "container_path" strings and an optional boolean "readonly"`,
      );
    }
    return {
      host_path: m.host_path,
      container_path: m.container_path,
      readonly: m.readonly ?? true,
    };
  });
}

// Grammars for values that reach argv, the environment or the engine: no whitespace, NUL or leading "-".
const MODEL = /^[A-Za-z0-9][A-Za-z0-9._:/@[\]+-]{0,199}$/;
// `claude --tools` takes built-in tool names ("Bash,Edit,Read") and splits on commas and spaces,
// so "Read --allowedTools Write" would enable Write: names only, or mcp__<server>__<tool>.
const TOOL = /^(?:(?!mcp__)[A-Za-z][A-Za-z0-9_]{0,63}|mcp__[A-Za-z0-9-][A-Za-z0-9_-]{0,127})$/;
const GRAMMAR: Record<string, [RegExp, string]> = {
  model: [MODEL, 'a model name like "sonnet" or "claude-sonnet-4-5"'],
  effort: [/^[a-z]{0,16}$/, 'an effort like "low", "medium" or "high"'],
  agent: [/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a driver name like "claude" or "command"'],
  tools: [TOOL, 'tool names like "Read" or "mcp__server__tool" (letters, digits, "_")'],
  mcps: [/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, "MCP server names from ~/.claude.json"],
  resources: [/^[A-Za-z0-9_.-]{1,64}$/, 'pool names of letters, digits, "_", "." or "-"'],
  memory: [/^\d+(?:\.\d+)?[kmgt]?b?$/i, 'a size like "512m" or "2g"'],
};
const NUMERIC = /^\+?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
/** Number fields: the reference sent them as strings ("1.5"); either way they are applied. */
const RANGES: Record<string, [(n: number) => boolean, string]> = {
  timeout: [(n) => n > 0 && n <= 7 * 86400, "seconds between 1 and 604800"],
  cpus: [(n) => n > 0 && n <= 1024, "a CPU count above 0, e.g. 0.5 or 2"],
  max_budget: [(n) => n >= 0 && n <= 1e6, "USD from 0 to 1000000"],
};
const MAX_ARG = 100_000; // one argv or env string must stay below Linux's 128 KiB

function str(field: string, x: unknown): string {
  if (!isStr(x)) wrong(field, "a string", x);
  const g = GRAMMAR[field.replace(/\[\d+\]$/, "")];
  if (g && !g[0].test(x)) wrong(field, g[1], x);
  if (x.includes("\0")) wrong(field, "text without NUL bytes", x);
  return x;
}

function num(field: string, x: unknown): number {
  const n = typeof x === "number" ? x : isStr(x) && NUMERIC.test(x.trim()) ? Number(x.trim()) : NaN;
  if (!Number.isFinite(n)) wrong(field, 'a number (or a numeric string like "1.5")', x);
  const [ok, what] = RANGES[field]!;
  if (!ok(n)) wrong(field, what, x);
  return n;
}

function bool(field: string, x: unknown): boolean {
  if (typeof x === "boolean") return x;
  if (x === "true" || x === "false") return x === "true";
  wrong(field, 'true or false (or "true"/"false")', x);
}

function strings(field: string, x: unknown): string[] {
  return list(field, x).map((s, i) => str(`${field}[${i}]`, s));
}

function env(x: unknown): Record<string, string> {
  const vars = record("env_vars", x);
  checkEnvNames(vars);
  for (const [k, s] of Object.entries(vars)) {
    if (s.includes("\0") || s.length > MAX_ARG) {
      wrong(`env_vars.${k}`, `text without NUL bytes, up to ${MAX_ARG} characters`, s);
    }
  }
  return vars;
}

function inputFiles(x: unknown): Record<string, string> {
  const files = record("input_files", x);
  for (const k of Object.keys(files)) {
    if (k.trim() === "" || k.includes("\0") || k.length > 4096 || k.split("/").includes("..")) {
      wrong("input_files", 'relative file names without ".." or NUL', k);
    }
  }
  return files;
}

/**
 * Normalise one layer of spec fields (named, inline or arguments) to SandboxSpec types: the one
 * place every field's type and grammar is checked, wherever it came from. `strict` refuses unknown
 * keys; saved spec files may carry keys of the reference's (only logged).
 */
export function normalizeLayer(raw: Record<string, unknown>, strict = true): Partial<SandboxSpec> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    wrong("sandbox", "an object of sandbox fields", raw);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(raw)) {
    if (x === undefined || x === null) continue;
    switch (k) {
      case "tools":
      case "mcps":
      case "resources":
        out[k] = strings(k, x);
        break;
      case "command":
        out[k] = isStr(x) && !x.trim().startsWith("[") ? ["sh", "-c", str(k, x)] : strings(k, x);
        break;
      case "mounts":
        out[k] = mounts(x);
        break;
      case "env_vars":
        out[k] = env(x);
        break;
      case "input_files":
        out[k] = inputFiles(x);
        break;
      case "output_schema": {
        const s = isStr(x) ? parseJson(k, x) : x;
        if (!s || typeof s !== "object" || Array.isArray(s)) wrong(k, "a JSON Schema object", s);
        out[k] = s as Record<string, Json>;
        break;
      }
      case "timeout":
      case "cpus":
      case "max_budget":
        out[k] = num(k, x);
        break;
      case "gpu":
        out[k] = bool(k, x);
        break;
      case "network":
        if (typeof x === "boolean" || x === "true" || x === "false") out[k] = bool(k, x);
        else if (isStr(x) && NETWORK_NAME.test(x)) out[k] = x;
        else wrong(k, "true, false or a Docker network name", x);
        break;
      case "memory":
        memoryBytes(str(k, x));
        out[k] = x;
        break;
      case "workdir":
        out[k] = checkWorkdir(str(k, x));
        break;
      case "system_prompt":
        if (str(k, x).length > MAX_ARG) {
          fail(
            "TOO_LARGE",
            `Cannot use sandbox field "system_prompt": ${
              (x as string).length
            } characters is over the ${MAX_ARG} limit of one argument; put long instructions in claude_md`,
          );
        }
        out[k] = x;
        break;
      case "image":
        out[k] = checkImageRef(str(k, x), k);
        break;
      case "model":
      case "claude_md":
      case "effort":
      case "input_type":
      case "output_type":
      case "agent":
        out[k] = str(k, x);
        break;
      default:
        if (strict) {
          fail(
            "INVALID_INPUT",
            `Cannot use sandbox field ${
              JSON.stringify(k.slice(0, 60))
            }: there is no such field; valid fields: ${SPEC_KEYS.join(", ")}`,
          );
        }
        log.debug(`ignoring unknown key ${JSON.stringify(k.slice(0, 60))} in a saved sandbox spec`);
    }
  }
  return out as Partial<SandboxSpec>;
}

export function createSandboxes(opts: { home?: string; projectDir?: string }): SandboxRegistry {
  const extra: string[] = [];
  const searchPaths = (kind: string) => {
    const dirs = extra.map((d) => join(d, kind));
    if (opts.projectDir) dirs.push(join(opts.projectDir, kind));
    if (opts.home) dirs.push(join(opts.home, ".claude", kind));
    return dirs;
  };
  const checkName = (name: string) => {
    if (!NAME.test(name) || name.startsWith(".")) {
      fail(
        "INVALID_INPUT",
        `Cannot use sandbox name ${
          JSON.stringify(name.slice(0, 70))
        }: names are letters, digits, ".", "_" or "-" (up to 64), not starting with "."`,
      );
    }
  };

  async function load(name: string): Promise<Partial<SandboxSpec>> {
    checkName(name);
    for (const dir of searchPaths("sandboxes")) {
      const raw = await readFile(join(dir, `${name}.json`), "utf8").catch(() => null);
      if (raw !== null) {
        return normalizeLayer(parseJson(`sandbox ${name}`, raw) as Record<string, unknown>, false);
      }
    }
    const known = (await list()).map((s) => s.name);
    fail(
      "NOT_FOUND",
      `Cannot find sandbox "${name}": no ${name}.json in ${
        searchPaths("sandboxes").join(", ") || "any search path"
      }${
        known.length
          ? `; known: ${known.join(", ")}`
          : "; save one with save_sandbox_spec or pass an inline spec object"
      }`,
    );
  }

  async function list() {
    const seen = new Map<
      string,
      { name: string; source: string; spec?: Partial<SandboxSpec>; error?: string }
    >();
    for (const dir of searchPaths("sandboxes")) {
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const f of files.filter((f) => f.endsWith(".json"))) {
        const name = f.slice(0, -5);
        if (seen.has(name) || !NAME.test(name)) continue;
        try {
          seen.set(name, {
            name,
            source: join(dir, f),
            spec: normalizeLayer(JSON.parse(await readFile(join(dir, f), "utf8")), false),
          });
        } catch (e) {
          seen.set(name, {
            name,
            source: join(dir, f),
            error: `failed to load: ${(e as Error).message}`,
          });
        }
      }
    }
    return [...seen.values()];
  }

  return {
    searchPaths,
    addSearchPath: (dir) => void extra.unshift(dir),
    load,
    list,
    async save(name, spec) {
      checkName(name);
      const clean = normalizeLayer(spec);
      const dir = searchPaths("sandboxes")[0];
      if (!dir) {
        fail("NOT_FOUND", "Cannot save a sandbox: no search path is configured (HOME is unset)");
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700); // mkdir's mode only applies to a dir it creates
      const path = join(dir, `${name}.json`);
      // A new file renamed into place: an older 0644 copy, or a link planted at the name, is replaced, never written through.
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, JSON.stringify(clean, null, 2) + "\n", { mode: 0o600, flag: "wx" });
      await rename(tmp, path);
      return path;
    },
    async resolve(sandbox, overrides = {}) {
      let named: Partial<SandboxSpec> = {};
      let inline: Partial<SandboxSpec> = {};
      if (isStr(sandbox) && sandbox.trim() !== "") {
        if (sandbox.trim().startsWith("{")) {
          inline = normalizeLayer(parseJson("sandbox", sandbox) as Record<string, unknown>);
        } else named = await load(sandbox.trim());
      } else if (sandbox && typeof sandbox === "object" && !Array.isArray(sandbox)) {
        inline = normalizeLayer(sandbox as Record<string, unknown>);
      } else if (sandbox !== undefined && sandbox !== null && sandbox !== "") {
        fail("INVALID_INPUT", `Cannot use "sandbox": expected a saved spec name or a spec object`);
      }
      return { ...defaultSpec(), ...named, ...inline, ...normalizeLayer(overrides) } as SandboxSpec;
    },
  };
}
