// The type registry: `<name>.md` files on the search paths (project dirs registered with
// wrap_project, then $SWARM_PROJECT_DIR/types, then ~/.claude/types; the first match wins). A
// project dir may be mounted into agents, so files are read without following links, bounded.
import type { Core } from "../../core/types.ts";
import { hasRefs, resolveRefs } from "./resolve.ts";

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TYPE_BYTES = 64 * 1024;
const MAX_RESOLVED = 1024 * 1024;
const MAX_LISTED = 1000;

export interface TypeEntry {
  name: string;
  summary: string;
  source: string;
}

export interface TypeRegistry {
  paths(): string[];
  list(): Promise<TypeEntry[]>;
  /** The raw definition, or null when no search path has it. */
  find(name: string): Promise<{ definition: string; source: string } | null>;
  /** The definition with its `[refs]` resolved; NOT_FOUND naming the paths tried. */
  definition(name: string, resolve?: boolean): Promise<string>;
  /** What an input_type/output_type means: a registered name's definition, text with `[refs]`
   * resolved, or the text as given. */
  expand(text: string): Promise<string>;
}

export const isTypeName = (s: string) => NAME.test(s) && !s.startsWith(".");

export function typeRegistry(core: Core): TypeRegistry {
  const paths = () => core.sandboxes.searchPaths("types");

  function checkName(name: string): void {
    if (!isTypeName(name)) {
      core.fail(
        "INVALID_INPUT",
        `Cannot use type name ${
          JSON.stringify(name.slice(0, 70))
        }: names are letters, digits, ".", "_" or "-" (up to 64), not starting with "."; use a registered type name (list_type_registry)`,
      );
    }
  }

  async function find(name: string) {
    checkName(name);
    for (const dir of paths()) {
      const file = `${dir}/${name}.md`;
      // types/ itself may be a link an agent planted in a project it has mounted: not followed.
      const r = await core.fs.readInDir(dir, `${name}.md`, MAX_TYPE_BYTES + 1);
      if (r.skipped === "missing") continue;
      if (r.skipped) {
        core.fail(
          "FORBIDDEN",
          `Cannot read type "${name}": ${file} is ${r.skipped}; make it a regular file in a real directory`,
        );
      }
      if (r.truncated) {
        core.fail(
          "TOO_LARGE",
          `Cannot read type "${name}": ${file} is over ${MAX_TYPE_BYTES} bytes; shorten the definition`,
        );
      }
      return { definition: r.text, source: file };
    }
    return null;
  }

  const lookup = async (name: string) => (await find(name))?.definition ?? null;

  function bounded(name: string, text: string): string {
    if (text.length > MAX_RESOLVED) {
      core.fail(
        "TOO_LARGE",
        `Cannot resolve type "${
          name.slice(0, 70)
        }": its definition with references is over ${MAX_RESOLVED} characters; reference fewer types`,
      );
    }
    return text;
  }

  async function definition(name: string, resolve = true): Promise<string> {
    const found = await find(name);
    if (!found) {
      const known = (await list()).map((t) => t.name);
      core.fail(
        "NOT_FOUND",
        `Cannot find type "${name}": no ${name}.md in ${paths().join(", ") || "any search path"}${
          known.length
            ? `; known types: ${known.slice(0, 30).join(", ")}`
            : "; put a markdown file there (e.g. types/report.md in the project)"
        }`,
      );
    }
    const def = found.definition.trim();
    return resolve
      ? bounded(name, await resolveRefs(def, lookup, undefined, new Set([name])))
      : def;
  }

  async function list(): Promise<TypeEntry[]> {
    const out: TypeEntry[] = [];
    const seen = new Set<string>();
    for (const dir of paths()) {
      const l = await core.fs.listNoFollow(dir, { maxEntries: MAX_LISTED, maxDepth: 1 });
      for (const entry of l.entries.sort()) {
        const name = entry.endsWith(".md") ? entry.slice(0, -3) : "";
        if (!isTypeName(name) || seen.has(name)) continue; // dirs end in "/", links in ")"
        seen.add(name);
        const r = await core.fs.readInDir(dir, entry, 4096);
        const summary = r.text.split("\n").map((s) => s.replace(/^#+\s*/, "").trim())
          .find((s) => s !== "") ?? "";
        out.push({ name, summary: summary.slice(0, 200), source: `${dir}/${entry}` });
      }
    }
    return out;
  }

  async function expand(text: string): Promise<string> {
    const t = text.trim();
    if (isTypeName(t) && (await find(t))) return definition(t);
    return hasRefs(text) ? bounded(t, await resolveRefs(text, lookup)) : text;
  }

  return { paths, list, find, definition, expand };
}
