// The sandbox spec and how its fields are declared. Re-exported by types.ts, which is what plugins
// import. A driver plugin declares its own fields (Plugin.fields) and types them by merging into
// SandboxSpec from its own file:
//   declare module "<path to>/core/sandbox-types.ts" { interface SandboxSpec { model: string } }
import type { AnySchema } from "./types.ts";

/** A mount as callers give it; `host_path` may start with `~`. */
export interface Mount {
  host_path: string;
  container_path: string;
  readonly?: boolean;
}

/** How one agent runs: the driver-neutral fields (the core's); drivers' fields merge in. */
export interface SandboxSpec {
  agent: string; // driver name (default: the first loaded driver)
  image?: string;
  input_type?: string;
  output_type?: string;
  mounts: Mount[];
  workdir: string;
  input_files: Record<string, string>;
  network: boolean | string; // true → default bridge, false → none, string → that Docker network
  memory?: string; // "2g", "512m"
  cpus?: number;
  gpu: boolean;
  resources: string[];
  timeout: number; // seconds
  env_vars: Record<string, string>;
}

/** [pattern, what it means]: a text check, and the words its error uses ("expected <what>"). */
export type Grammar = readonly [RegExp, string];

/** The checks a normaliser uses. Every one throws INVALID_INPUT naming the field (or `at`). */
export interface FieldKit {
  readonly name: string;
  wrong(expected: string, value: unknown, at?: string): never;
  /** A string without NUL bytes, matching `grammar` when given. */
  text(value: unknown, grammar?: Grammar): string;
  /** A list of strings, a comma-separated string or a JSON array string; at most 256 items. */
  list(value: unknown, grammar?: Grammar): string[];
  /** An object of strings, or its JSON text. */
  record(value: unknown): Record<string, string>;
  /** A number or a numeric string ("1.5"), for which `range[0]` holds. */
  number(value: unknown, range: readonly [(n: number) => boolean, string]): number;
  /** true/false or "true"/"false". */
  boolean(value: unknown): boolean;
  /** A JSON string parsed (up to 1 MiB); any other value as it is. */
  json(value: unknown): unknown;
}

/** One sandbox field, declared once; every agent-starting tool then takes it (directly or inside
 * `sandbox`), saved specs may hold it, and tools/list publishes it. */
export interface SandboxField<T = unknown> {
  /** Lowercase: letters, digits, "_". */
  name: string;
  /** A valibot schema (core.v) with a short description: what tools/list publishes, and the
   * check for a value when there is no `normalize`. */
  schema: AnySchema;
  /** Check and convert a value from any layer (argument, inline or saved spec); throw through
   * `kit` (or core.fail) naming the field. */
  normalize?(value: unknown, kit: FieldKit): T;
  /** Applied to every spec that does not set the field (copied, so lists are never shared). */
  default?: T;
}

export interface SandboxRegistry {
  /** built-ins < named spec < inline spec < explicit overrides (undefined never overrides). */
  resolve(sandbox: unknown, overrides?: Record<string, unknown>): Promise<SandboxSpec>;
  load(name: string): Promise<Partial<SandboxSpec>>;
  save(name: string, spec: Record<string, unknown>): Promise<string>;
  list(): Promise<{ name: string; source: string; spec?: Partial<SandboxSpec>; error?: string }[]>;
  searchPaths(kind: string): string[];
  addSearchPath(dir: string): void;
  /** Every sandbox field: the core's, then each plugin's in manifest order. */
  fields(): readonly SandboxField[];
}
