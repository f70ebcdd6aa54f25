// `[type-name]` references inside a type definition: resolved recursively to a fixed depth, the
// first occurrence of each name inlined, later ones pointing back, unknown names left as written.
// Pure (the lookup is passed in) so the rules are tested without files.

/** The reference's grammar for a reference: a bracketed name of letters, digits, "_" or "-". */
const REF = /\[([A-Za-z0-9_-]{1,64})\]/g;
export const MAX_DEPTH = 3;
/** Distinct names one resolution looks up: each lookup reads every search path, and types in a
 * project agents write can name thousands (64 KiB of "[x1] [x2] …"). Later names stay as written. */
export const MAX_LOOKUPS = 500;

/** The definition of a registered type, or null when no such type exists. */
export type Lookup = (name: string) => Promise<string | null>;

export function hasRefs(text: string): boolean {
  return new RegExp(REF.source).test(text);
}

/**
 * Replace each known `[name]` with `**name**: <its definition, resolved in turn>` the first time
 * and `**name** (see above)` afterwards. `seen` is shared by the whole resolution, which also stops
 * cycles; below `depth` levels references stay as written. Each name is looked up once: a text may
 * name a missing type thousands of times, and every lookup reads the search paths.
 */
export function resolveRefs(
  text: string,
  lookup: Lookup,
  depth = MAX_DEPTH,
  seen: Set<string> = new Set(),
): Promise<string> {
  const known = new Map<string, Promise<string | null>>();
  const once: Lookup = (name) =>
    known.get(name) ??
      (known.size >= MAX_LOOKUPS
        ? Promise.resolve(null)
        : known.set(name, lookup(name)).get(name)!);
  return resolve(text, once, depth, seen);
}

async function resolve(
  text: string,
  lookup: Lookup,
  depth: number,
  seen: Set<string>,
): Promise<string> {
  if (depth <= 0) return text;
  let out = "";
  let last = 0;
  for (const m of text.matchAll(REF)) {
    const name = m[1]!;
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    if (seen.has(name)) {
      out += `**${name}** (see above)`;
      continue;
    }
    const def = await lookup(name);
    if (def === null) {
      out += m[0];
      continue;
    }
    seen.add(name);
    out += `**${name}**: ${await resolve(def.trim(), lookup, depth - 1, seen)}`;
  }
  return out + text.slice(last);
}
