// Sandbox specs: the field table (the core's fields, then each plugin's), one layer's check
// (named, inline or arguments), and resolution: defaults < named spec < inline spec < explicit
// arguments, where an absent argument never overrides. Values arrive in their natural JSON type or
// as the reference's strings.
import * as v from "valibot";
import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fail } from "./errors.ts";
import { fieldKit, MAX_SPEC_BYTES, parseJson } from "./field-kit.ts";
import { logger } from "./log.ts";
import { openDir, readInDir } from "./safe-fs.ts";
import { describeIssues } from "./registry.ts";
import { noArray } from "./tool-input.ts";
import { coreFields } from "./sandbox-fields.ts";
import type { AnySchema, SandboxField, SandboxRegistry, SandboxSpec } from "./types.ts";

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const log = logger("sandbox");

/** How a tool's input holds the fields: "check" validates. tools/list shows them "described" (the
 * natural JSON type, the first of a union as the reference's string forms stay accepted, and the
 * description) in one tool, `run`; the others ("brief") show `sandbox` saying where they are
 * described: the fields repeated in 8 tools were most of tools/list. */
export type FieldView = "check" | "described" | "brief";

/** The `sandbox` argument every agent-starting tool takes besides the fields themselves. */
const SANDBOX = v.union(
  [v.string(), v.record(v.string(), v.unknown())],
  "expected a saved spec name or a spec object",
);
const SANDBOX_TEXT = {
  described: "A saved spec name, or a spec object (or JSON) of the fields below",
  brief:
    "A saved spec name or a spec object of sandbox fields; run lists the fields, and they are accepted here at the top level too",
};

const JSON_TYPES: Record<string, string> = {
  string: "string",
  number: "number",
  boolean: "boolean",
  array: "array",
  record: "object",
  object: "object",
};
const jsonType = (s: AnySchema): string | undefined =>
  s.type === "union"
    ? jsonType((s as unknown as { options: AnySchema[] }).options[0]!)
    : JSON_TYPES[s.type];
const descriptionOf = (s: AnySchema) =>
  (s as { pipe?: { type: string; description?: string }[] }).pipe?.find((a) =>
    a.type === "description"
  )?.description;

function view(schema: AnySchema, as: FieldView, text = descriptionOf(schema)): AnySchema {
  if (as === "check") return v.optional(noArray(schema));
  const type = schema === SANDBOX ? ["string", "object"] : jsonType(schema);
  return v.optional(v.pipe(v.unknown(), v.metadata({ type, description: text })));
}

export type Sandboxes = SandboxRegistry & {
  /** Add a plugin's fields; a name already taken is an error naming both owners. */
  addFields(owner: string, fields: readonly SandboxField[]): void;
  /** Optional entries for `sandbox` and every field, as a tool's input holds them. */
  inputs(as: FieldView): Record<string, AnySchema>;
};

export function createSandboxes(
  opts: {
    home?: string;
    projectDir?: string;
    fields?: readonly SandboxField[];
    /** The agent a spec runs when it names none (the core: the first loaded driver). */
    defaultAgent?: () => string | undefined;
  },
): Sandboxes {
  const table = new Map<string, { field: SandboxField; owner: string }>();
  let inputs: Partial<Record<FieldView, Record<string, AnySchema>>> = {};
  const addFields = (owner: string, fields: readonly SandboxField[]) => {
    for (const f of fields) {
      if (!f || typeof f.name !== "string" || !FIELD_NAME.test(f.name) || f.name === "sandbox") {
        throw new Error('a sandbox field needs a lowercase name like "ticket"');
      }
      const other = table.get(f.name);
      if (other) {
        throw new Error(`sandbox field "${f.name}" is already declared by "${other.owner}"`);
      }
      if (f.schema?.kind !== "schema") throw new Error(`sandbox field "${f.name}" needs a schema`);
      table.set(f.name, { field: f, owner });
    }
    inputs = {};
  };
  addFields("core", coreFields);
  addFields("createSandboxes", opts.fields ?? []);

  const defaults = () => {
    const out: Record<string, unknown> = {};
    for (const { field } of table.values()) {
      if (field.default !== undefined) out[field.name] = structuredClone(field.default);
    }
    const agent = opts.defaultAgent?.();
    if (agent !== undefined) out.agent ??= agent;
    return out as unknown as SandboxSpec;
  };

  /**
   * Check one layer of fields (named, inline or arguments) and convert it to the spec's types: the
   * one place every field's value is judged, wherever it came from. `strict` refuses unknown keys;
   * saved spec files may carry keys of the reference's, or of a plugin not loaded (only logged).
   */
  function normalizeLayer(raw: Record<string, unknown>, strict = true): Partial<SandboxSpec> {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
      fieldKit("sandbox").wrong("an object of sandbox fields", raw);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(raw)) {
      if (x === undefined || x === null) continue;
      const field = table.get(k)?.field;
      if (!field) {
        if (!strict) {
          log.debug(
            `ignoring unknown key ${JSON.stringify(k.slice(0, 60))} in a saved sandbox spec`,
          );
          continue;
        }
        fail(
          "INVALID_INPUT",
          `Cannot use sandbox field ${
            JSON.stringify(k.slice(0, 60))
          }: there is no such field; valid fields: ${[...table.keys()].join(", ")}`,
        );
      }
      if (field.normalize) out[k] = field.normalize(x, fieldKit(k));
      else {
        const r = v.safeParse(field.schema, x);
        if (!r.success) {
          fail("INVALID_INPUT", `Cannot use sandbox field "${k}": ${describeIssues(r.issues)}`);
        }
        out[k] = r.output;
      }
    }
    return out as Partial<SandboxSpec>;
  }

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

  /** A saved spec's text, or null when there is none. A project's sandboxes/ dir may be mounted
   * into an agent: a link (also at sandboxes/ itself), FIFO or huge file planted there is refused,
   * never read through. */
  async function readSpec(dir: string, file: string): Promise<string | null> {
    const path = join(dir, file);
    const r = await readInDir(dir, file, MAX_SPEC_BYTES + 1);
    if (r.skipped === "missing") return null;
    if (r.skipped) {
      fail(
        "FORBIDDEN",
        `Cannot load the sandbox spec ${path}: it is ${r.skipped}; a saved spec must be a regular file in a real directory`,
      );
    }
    if (r.truncated) fail("TOO_LARGE", `Cannot load the sandbox spec ${path}: it is over 1 MiB`);
    return r.text;
  }

  async function load(name: string): Promise<Partial<SandboxSpec>> {
    checkName(name);
    for (const dir of searchPaths("sandboxes")) {
      const raw = await readSpec(dir, `${name}.json`);
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
      const d = await openDir(dir); // a link at sandboxes/ lists nothing
      const files = d.fh ? await readdir(d.at).catch(() => []).finally(() => d.fh.close()) : [];
      for (const f of files.filter((f) => f.endsWith(".json"))) {
        const name = f.slice(0, -5);
        if (seen.has(name) || !NAME.test(name)) continue;
        try {
          seen.set(name, {
            name,
            source: join(dir, f),
            spec: normalizeLayer(JSON.parse((await readSpec(dir, f)) ?? "{}"), false),
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
    addFields,
    fields: () => [...table.values()].map((e) => e.field),
    inputs: (as) =>
      inputs[as] ??= Object.fromEntries([
        ["sandbox", view(SANDBOX, as, as === "check" ? undefined : SANDBOX_TEXT[as])],
        ...(as === "brief" ? [] : [...table.values()])
          .map(({ field }) => [field.name, view(field.schema, as)] as const),
      ]),
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
      await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => {}); // judged just below
      // Written through the dir's fd: a link an agent put at sandboxes/ is refused, not written
      // (nor chmod-ed) through.
      const d = await openDir(dir);
      if (!d.fh) {
        return fail(
          "FORBIDDEN",
          `Cannot save sandbox "${name}": ${dir} is ${d.skipped}; make it a real directory`,
        );
      }
      try {
        await d.fh.chmod(0o700); // mkdir's mode only applies to a dir it creates
        // A new file renamed into place: an older 0644 copy, or a link planted at the name, is replaced, never written through.
        const tmp = `${d.at}/${name}.json.${process.pid}.${Date.now()}.tmp`;
        await writeFile(tmp, JSON.stringify(clean, null, 2) + "\n", { mode: 0o600, flag: "wx" });
        await rename(tmp, `${d.at}/${name}.json`);
      } finally {
        await d.fh.close();
      }
      return join(dir, `${name}.json`);
    },
    async resolve(sandbox, overrides = {}) {
      let named: Partial<SandboxSpec> = {};
      let inline: Partial<SandboxSpec> = {};
      if (typeof sandbox === "string" && sandbox.trim() !== "") {
        if (sandbox.trim().startsWith("{")) {
          inline = normalizeLayer(parseJson("sandbox", sandbox) as Record<string, unknown>);
        } else named = await load(sandbox.trim());
      } else if (sandbox && typeof sandbox === "object" && !Array.isArray(sandbox)) {
        inline = normalizeLayer(sandbox as Record<string, unknown>);
      } else if (sandbox !== undefined && sandbox !== null && sandbox !== "") {
        fail("INVALID_INPUT", `Cannot use "sandbox": expected a saved spec name or a spec object`);
      }
      return { ...defaults(), ...named, ...inline, ...normalizeLayer(overrides) } as SandboxSpec;
    },
  };
}
