// The driver-neutral sandbox fields, each declared once: the schema tools/list publishes, the
// check and conversion of a value from any layer (named, inline, argument), and the default.
// Drivers declare their own fields in their plugins (claude-code: model, tools…; command: command).
import * as v from "valibot";
import { checkEnvNames, checkWorkdir, NETWORK_NAME } from "./container-policy.ts";
import { fail } from "./errors.ts";
import type { AnySchema, Mount, SandboxField } from "./types.ts";

const MAX_ARG = 100_000; // one env string must stay below Linux's 128 KiB
const d = (schema: AnySchema, text: string) => v.pipe(schema, v.description(text));
const orString = (schema: AnySchema, text: string) => d(v.union([schema, v.string()]), text);
const MOUNT_KEYS = ["host_path", "container_path", "readonly"];

function mounts(x: unknown, json: (x: unknown) => unknown): Mount[] {
  x = json(x);
  if (!Array.isArray(x)) {
    fail(
      "INVALID_INPUT",
      `Cannot use "mounts": expected a list like [{"host_path": "/src", "container_path": "/workspace/src"}]`,
    );
  }
  return x.map((m, i) => {
    if (
      !m || typeof m !== "object" || typeof m.host_path !== "string" ||
      typeof m.container_path !== "string" ||
      (m.readonly !== undefined && typeof m.readonly !== "boolean") ||
      Object.keys(m).some((k) => !MOUNT_KEYS.includes(k))
    ) {
      fail(
        "INVALID_INPUT",
        `Cannot use mounts[${i}]: each mount has "host_path" and "container_path" strings and an optional boolean "readonly", nothing else`,
      );
    }
    return {
      host_path: m.host_path,
      container_path: m.container_path,
      readonly: m.readonly ?? true,
    };
  });
}

export const coreFields: SandboxField[] = [
  {
    name: "agent",
    schema: d(v.string(), "Agent driver name (default: the first loaded driver)"),
    normalize: (x, k) => k.text(x, [/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "a driver name"]),
    // No default here: the core names no driver; createSandboxes' defaultAgent gives it.
  },
  {
    name: "mounts",
    schema: orString(
      v.array(v.object({
        host_path: v.string(),
        container_path: v.string(),
        readonly: v.optional(v.boolean()),
      })),
      "Host dirs: [{host_path, container_path, readonly=true}]",
    ),
    normalize: (x, k) => mounts(x, k.json),
    default: [],
  },
  {
    name: "workdir",
    schema: d(v.string(), "Working dir in the container (default /workspace)"),
    normalize: (x, k) => checkWorkdir(k.text(x)),
    default: "/workspace",
  },
  {
    name: "input_files",
    schema: orString(v.record(v.string(), v.string()), "Files to create: {relative path: text}"),
    normalize(x, k) {
      const files = k.record(x);
      for (const f of Object.keys(files)) {
        if (f.trim() === "" || f.includes("\0") || f.length > 4096 || f.split("/").includes("..")) {
          k.wrong('relative file names without ".." or NUL', f);
        }
      }
      return files;
    },
    default: {},
  },
  {
    name: "network",
    schema: orString(v.boolean(), "true: bridge (default), false: none, or a network name"),
    normalize(x, k) {
      if (typeof x === "boolean" || x === "true" || x === "false") return k.boolean(x);
      return k.text(x, [NETWORK_NAME, "true, false or a Docker network name"]);
    },
    default: true,
  },
  {
    name: "cpus",
    schema: orString(v.number(), "CPU limit, e.g. 1.5"),
    normalize: (x, k) => k.number(x, [(n) => n > 0 && n <= 1024, "a CPU count above 0"]),
  },
  {
    name: "gpu",
    schema: orString(v.boolean(), 'Give it the GPUs (a slot of the "gpu" pool)'),
    normalize: (x, k) => k.boolean(x),
    default: false,
  },
  {
    name: "resources",
    schema: orString(v.array(v.string()), "Named pools to hold, sized by SWARM_RESOURCE_<name>"),
    normalize: (x, k) => k.list(x, [/^[A-Za-z0-9_.-]{1,64}$/, 'pool names like "db"']),
    default: [],
  },
  {
    name: "timeout",
    schema: orString(v.number(), "Seconds before it is killed (default 1800)"),
    normalize: (x, k) => k.number(x, [(n) => n > 0 && n <= 7 * 86400, "seconds from 1 to 604800"]),
    default: 1800,
  },
  {
    name: "env_vars",
    schema: orString(v.record(v.string(), v.string()), "Environment variables: {NAME: value}"),
    normalize(x, k) {
      const vars = k.record(x);
      checkEnvNames(vars);
      for (const [name, s] of Object.entries(vars)) {
        if (s.includes("\0") || s.length > MAX_ARG) {
          k.wrong(`text without NUL, up to ${MAX_ARG} characters`, s, `env_vars.${name}`);
        }
      }
      return vars;
    },
    default: {},
  },
  {
    name: "input_type",
    schema: d(v.string(), "Type of the input, in words or a registered type name"),
    normalize: (x, k) => k.text(x),
  },
  {
    name: "output_type",
    schema: d(v.string(), "Type the output must have"),
    normalize: (x, k) => k.text(x),
  },
];
