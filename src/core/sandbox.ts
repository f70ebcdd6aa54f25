// SandboxSpec: defaults, the input schema shared by every tool that starts agents, and resolution
// (built-in defaults < named spec < inline spec < explicit arguments; an absent argument never
// overrides). Values arrive in their natural JSON type or as the reference's strings.
import * as v from "valibot";
import { readdir, readFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fail } from "./errors.ts";
import type { Json, Mount, SandboxRegistry, SandboxSpec } from "./types.ts";

export const DEFAULT_TOOLS = ["Read", "Write", "Glob", "Grep", "Bash"];
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_SPEC_BYTES = 1024 * 1024;

export function defaultSpec(): SandboxSpec {
  return {
    agent: "claude", model: "sonnet", tools: [...DEFAULT_TOOLS], mcps: [], mounts: [], workdir: "/workspace",
    input_files: {}, network: true, gpu: false, resources: [], timeout: 1800, env_vars: {},
  };
}

const d = <S extends v.GenericSchema>(schema: S, text: string) => v.pipe(schema, v.description(text));
const listOrString = (what: string) =>
  d(v.union([v.array(v.string()), v.string()]), `${what}: a list, or a comma-separated / JSON-array string`);
const mountSchema = v.object({
  host_path: d(v.string(), "Absolute host path (may start with ~)"),
  container_path: d(v.string(), "Absolute path inside the container"),
  readonly: v.optional(d(v.boolean(), "Mount read-only (default true)")),
});

/** Sandbox fields every agent-starting tool accepts; all optional, so absent ones never override. */
export const sandboxFields = {
  sandbox: v.optional(d(v.union([v.string(), v.record(v.string(), v.unknown())]), "A saved sandbox spec name, or an inline spec (object or JSON string) with any of the fields below")),
  model: v.optional(d(v.string(), 'Model for the agent, e.g. "sonnet", "opus", "haiku" (default "sonnet")')),
  tools: v.optional(listOrString('Tools the agent may use (default Read,Write,Glob,Grep,Bash); enforced with --tools')),
  mounts: v.optional(d(v.union([v.array(mountSchema), v.string()]), "Host directories to mount: [{host_path, container_path, readonly=true}]")),
  network: v.optional(d(v.union([v.boolean(), v.string()]), "true: default bridge network, false: no network, a string: that Docker network")),
  timeout: v.optional(d(v.number(), "Seconds before the agent is killed (default 1800); partial output is kept")),
  system_prompt: v.optional(d(v.string(), "System prompt for the agent")),
  claude_md: v.optional(d(v.string(), "Contents of CLAUDE.md placed in the agent's workdir")),
  output_schema: v.optional(d(v.union([v.record(v.string(), v.unknown()), v.string()]), "JSON Schema the agent's final answer must match (passed as --json-schema)")),
  mcps: v.optional(listOrString("Names of MCP servers from your ~/.claude.json to give the agent")),
  effort: v.optional(d(v.string(), 'Reasoning effort: "low", "medium", "high"')),
  max_budget: v.optional(d(v.number(), "Maximum USD this agent may spend (--max-budget-usd)")),
  env_vars: v.optional(d(v.union([v.record(v.string(), v.string()), v.string()]), "Environment variables for the container (never put on a command line)")),
  input_files: v.optional(d(v.union([v.record(v.string(), v.string()), v.string()]), "Files to create in the workdir: {relative path: content}")),
  memory: v.optional(d(v.string(), 'Memory limit, e.g. "2g"')),
  cpus: v.optional(d(v.number(), "CPU limit, e.g. 1.5")),
  gpu: v.optional(d(v.boolean(), 'Give the container the GPUs (takes a slot of the "gpu" pool)')),
  resources: v.optional(listOrString('Named resource pools to hold while running, e.g. ["db"]; sizes from SWARM_RESOURCE_<name>')),
  input_type: v.optional(d(v.string(), "Natural-language type of the input (a registered type name or text)")),
  output_type: v.optional(d(v.string(), "Natural-language type the output must have")),
  agent: v.optional(d(v.string(), 'Agent driver: "claude" (default) or "command"')),
  image: v.optional(d(v.string(), "Docker image for the agent (default SWARM_IMAGE or the built agent image)")),
  command: v.optional(d(v.union([v.array(v.string()), v.string()]), 'For agent "command": the argv to run, e.g. ["sh","-c","echo hi"]')),
  workdir: v.optional(d(v.string(), "Working directory inside the container (default /workspace)")),
};

export const SPEC_KEYS = Object.keys(sandboxFields).filter((k) => k !== "sandbox");

function parseJson(field: string, raw: string): unknown {
  if (raw.length > MAX_SPEC_BYTES) fail("TOO_LARGE", `Cannot use "${field}": ${raw.length} characters is over the 1 MiB limit`);
  try {
    return JSON.parse(raw);
  } catch (e) {
    fail("INVALID_INPUT", `Cannot parse "${field}" as JSON: ${(e as Error).message}; pass a JSON value or the natural type`);
  }
}

const isStr = (x: unknown): x is string => typeof x === "string";

function list(field: string, x: unknown): string[] {
  if (isStr(x)) {
    const t = x.trim();
    if (t.startsWith("[")) x = parseJson(field, t);
    else return t === "" ? [] : t.split(",").map((s) => s.trim()).filter(Boolean);
  }
  if (!Array.isArray(x) || !x.every(isStr)) fail("INVALID_INPUT", `Cannot use "${field}": expected a list of strings or a comma-separated string`);
  return x;
}

function record(field: string, x: unknown): Record<string, string> {
  if (isStr(x)) x = parseJson(field, x);
  if (!x || typeof x !== "object" || Array.isArray(x) || !Object.values(x).every(isStr)) {
    fail("INVALID_INPUT", `Cannot use "${field}": expected an object of strings, like {"KEY": "value"}`);
  }
  return x as Record<string, string>;
}

function mounts(x: unknown): Mount[] {
  if (isStr(x)) x = parseJson("mounts", x);
  if (!Array.isArray(x)) fail("INVALID_INPUT", `Cannot use "mounts": expected a list like [{"host_path": "/src", "container_path": "/workspace/src"}]`);
  return x.map((m, i) => {
    if (!m || typeof m !== "object" || !isStr(m.host_path) || !isStr(m.container_path) || (m.readonly !== undefined && typeof m.readonly !== "boolean")) {
      fail("INVALID_INPUT", `Cannot use mounts[${i}]: each mount needs "host_path" and "container_path" strings and an optional boolean "readonly"`);
    }
    return { host_path: m.host_path, container_path: m.container_path, readonly: m.readonly ?? true };
  });
}

/** Normalise one layer of spec fields (named, inline or arguments) to SandboxSpec types. */
export function normalizeLayer(raw: Record<string, unknown>): Partial<SandboxSpec> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(raw)) {
    if (x === undefined || x === null || k === "sandbox") continue;
    switch (k) {
      case "tools": case "mcps": case "resources": out[k] = list(k, x); break;
      case "command": out[k] = isStr(x) && !x.trim().startsWith("[") ? ["sh", "-c", x] : list(k, x); break;
      case "mounts": out[k] = mounts(x); break;
      case "env_vars": case "input_files": out[k] = record(k, x); break;
      case "output_schema": {
        const s = isStr(x) ? parseJson(k, x) : x;
        if (!s || typeof s !== "object" || Array.isArray(s)) fail("INVALID_INPUT", `Cannot use "output_schema": expected a JSON Schema object`);
        out[k] = s as Record<string, Json>;
        break;
      }
      case "network": case "gpu": case "timeout": case "cpus": case "max_budget":
      case "model": case "system_prompt": case "claude_md": case "effort": case "input_type":
      case "output_type": case "memory": case "agent": case "image": case "workdir":
        out[k] = x; break;
      default: break; // unknown keys in saved specs are ignored, as in the reference
    }
  }
  if (out.timeout !== undefined && (typeof out.timeout !== "number" || !(out.timeout > 0) || out.timeout > 7 * 86400)) {
    fail("INVALID_INPUT", `Cannot use "timeout" ${JSON.stringify(out.timeout)}: give seconds between 1 and 604800`);
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
      fail("INVALID_INPUT", `Cannot use sandbox name ${JSON.stringify(name.slice(0, 70))}: names are letters, digits, ".", "_" or "-" (up to 64), not starting with "."`);
    }
  };

  async function load(name: string): Promise<Partial<SandboxSpec>> {
    checkName(name);
    for (const dir of searchPaths("sandboxes")) {
      const raw = await readFile(join(dir, `${name}.json`), "utf8").catch(() => null);
      if (raw !== null) return normalizeLayer(parseJson(`sandbox ${name}`, raw) as Record<string, unknown>);
    }
    const known = (await list()).map((s) => s.name);
    fail("NOT_FOUND", `Cannot find sandbox "${name}": no ${name}.json in ${searchPaths("sandboxes").join(", ") || "any search path"}${known.length ? `; known: ${known.join(", ")}` : "; save one with save_sandbox_spec or pass an inline spec object"}`);
  }

  async function list() {
    const seen = new Map<string, { name: string; source: string; spec?: Partial<SandboxSpec>; error?: string }>();
    for (const dir of searchPaths("sandboxes")) {
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const f of files.filter((f) => f.endsWith(".json"))) {
        const name = f.slice(0, -5);
        if (seen.has(name) || !NAME.test(name)) continue;
        try {
          seen.set(name, { name, source: join(dir, f), spec: normalizeLayer(JSON.parse(await readFile(join(dir, f), "utf8"))) });
        } catch (e) {
          seen.set(name, { name, source: join(dir, f), error: `failed to load: ${(e as Error).message}` });
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
      if (!dir) fail("NOT_FOUND", "Cannot save a sandbox: no search path is configured (HOME is unset)");
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `${name}.json`);
      await writeFile(path, JSON.stringify(clean, null, 2) + "\n", { mode: 0o600 });
      return path;
    },
    async resolve(sandbox, overrides = {}) {
      let named: Partial<SandboxSpec> = {};
      let inline: Partial<SandboxSpec> = {};
      if (isStr(sandbox) && sandbox.trim() !== "") {
        if (sandbox.trim().startsWith("{")) inline = normalizeLayer(parseJson("sandbox", sandbox) as Record<string, unknown>);
        else named = await load(sandbox.trim());
      } else if (sandbox && typeof sandbox === "object" && !Array.isArray(sandbox)) {
        inline = normalizeLayer(sandbox as Record<string, unknown>);
      } else if (sandbox !== undefined && sandbox !== null && sandbox !== "") {
        fail("INVALID_INPUT", `Cannot use "sandbox": expected a saved spec name or a spec object`);
      }
      return { ...defaultSpec(), ...named, ...inline, ...normalizeLayer(overrides) } as SandboxSpec;
    },
  };
}
