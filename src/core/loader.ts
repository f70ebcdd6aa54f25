// Manifest → plugins. `builtin:<name>` entries come from the generated static registry (the only
// way built-ins survive `bun build --compile`); other entries are files loaded with import(),
// relative to the manifest. Any problem stops start-up with one line: which plugin, what is wrong.
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { fail } from "./errors.ts";
import { logger } from "./log.ts";
import type { Core, Logger, Plugin, PluginFactory } from "./types.ts";

/** Stamp keys nobody may declare: the core writes them itself. */
const CORE_STAMPS = ["cost"];
const STAMP_KEY = /^[a-z][a-z0-9_]{0,63}$/;

export class StartupError extends Error {
  override name = "StartupError";
}

export interface Manifest {
  plugins: string[];
  /** Directory that relative plugin paths are resolved against. */
  base: string;
  source: string;
}

export async function readManifest(path: string): Promise<Manifest> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (e) {
    throw new StartupError(
      `Cannot read manifest "${path}": ${
        (e as NodeJS.ErrnoException).code ?? (e as Error).message
      }; check --manifest / SWARM_MANIFEST`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new StartupError(`Cannot parse manifest "${path}": ${(e as Error).message}`);
  }
  const plugins = (data as { plugins?: unknown })?.plugins;
  if (!Array.isArray(plugins) || !plugins.every((p) => typeof p === "string" && p.length > 0)) {
    throw new StartupError(
      `Cannot use manifest "${path}": expected {"plugins": ["builtin:<name>" or "./path/to/plugin.ts", …]}`,
    );
  }
  return { plugins, base: dirname(resolve(path)), source: path };
}

function checkPlugin(entry: string, p: unknown): Plugin {
  const bad = (why: string) => new StartupError(`Cannot load plugin "${entry}": ${why}`);
  if (!p || typeof p !== "object") throw bad("the factory did not return an object");
  const plugin = p as Plugin;
  if (typeof plugin.name !== "string" || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(plugin.name)) {
    throw bad('its name must be a lowercase string like "my-plugin"');
  }
  for (const t of plugin.tools ?? []) {
    if (!t || typeof t.name !== "string") throw bad("a tool has no name");
    if (typeof t.description !== "string" || t.description.trim().length < 10) {
      throw bad(`tool "${t.name}" needs a description for the model`);
    }
    if (
      !t.input || typeof t.input !== "object" || (t.input as { kind?: string }).kind !== "schema"
    ) throw bad(`tool "${t.name}" input must be a valibot schema built with core.v`);
    if (typeof t.run !== "function") throw bad(`tool "${t.name}" has no run function`);
  }
  if (
    plugin.stamps !== undefined &&
    (!Array.isArray(plugin.stamps) || !plugin.stamps.every((k) => STAMP_KEY.test(String(k))))
  ) throw bad('"stamps" must be a list of keys like "validated" (lowercase letters, digits, _)');
  for (const k of plugin.stamps ?? []) {
    if (CORE_STAMPS.includes(k)) throw bad(`stamp "${k}" is written by the core only`);
  }
  for (const a of plugin.agents ?? []) {
    if (
      !a || typeof a.name !== "string" || typeof a.prepare !== "function" ||
      typeof a.parse !== "function"
    ) throw bad("an agent driver needs name, prepare and parse");
  }
  for (const [k, f] of Object.entries(plugin.hooks ?? {})) {
    if (!["check", "prepare", "finish"].includes(k) || typeof f !== "function") {
      throw bad(`hook "${k}" must be one of check, prepare, finish and a function`);
    }
  }
  for (const r of plugin.runtimes ?? []) {
    if (!r || typeof r.name !== "string" || typeof r.create !== "function") {
      throw bad("a runtime needs name and create");
    }
  }
  return plugin;
}

/** Whom a bound core speaks for; filled in when the factory has returned its plugin. */
interface Owner {
  name: string;
  stamps: ReadonlySet<string>;
}

/** The core one plugin receives: its logger carries its name, and refs.stamp writes only the keys
 * it declared (checked when it stamps: a factory gets its core before it declares anything). */
export function bindCore(core: Core, owner: Owner): Core {
  const { refs } = core;
  const log = Object.fromEntries(
    (["debug", "info", "warn", "error"] as const).map((l) => [
      l,
      (m: string, x?: unknown) => logger(owner.name)[l](m, x),
    ]),
  ) as unknown as Logger;
  const stamp: Core["refs"]["stamp"] = async (input, key, value) => {
    if (!owner.stamps.has(key)) {
      fail(
        "FORBIDDEN",
        `Cannot stamp "${key}" on a ref: plugin "${owner.name}" did not declare this key in its "stamps" (${
          [...owner.stamps].join(", ") || "none"
        }); a stamp key belongs to the one plugin that declares it`,
      );
    }
    return await refs.stamp(input, key, value);
  };
  // Ciphertext is written and read as stored only by the plugin that owns the `encryption` stamp.
  const owns = (what: string) =>
    owner.stamps.has("encryption") || fail(
      "FORBIDDEN",
      `Cannot ${what}: plugin "${owner.name}" does not own the "encryption" stamp; only the plugin that declares it may`,
    );
  const seal: Core["refs"]["seal"] = async (...a) => (owns("seal a ref"), await refs.seal(...a));
  const read: Core["refs"]["read"] = async (i, p, o) => (
    o?.sealed && owns("read sealed bytes"), await refs.read(i, p, o)
  );
  return { ...core, log, refs: { ...refs, stamp, seal, read } };
}

export async function loadPlugins(
  manifest: Manifest,
  builtins: Record<string, PluginFactory>,
  core: Core,
): Promise<{ entry: string; plugin: Plugin }[]> {
  const out: { entry: string; plugin: Plugin }[] = [];
  const stampOwners = new Map<string, string>();
  for (const entry of manifest.plugins) {
    let factory: unknown;
    if (entry.startsWith("builtin:")) {
      factory = builtins[entry.slice(8)];
      if (!factory) {
        throw new StartupError(
          `Cannot load plugin "${entry}": no such built-in; built-ins are ${
            Object.keys(builtins).map((b) => "builtin:" + b).join(", ")
          }`,
        );
      }
    } else {
      const path = isAbsolute(entry) ? entry : resolve(manifest.base, entry);
      try {
        factory = (await import(pathToFileURL(path).href)).default;
      } catch (e) {
        throw new StartupError(
          `Cannot load plugin "${entry}" from ${path}: ${(e as Error).message.split("\n")[0]}`,
        );
      }
    }
    if (typeof factory !== "function") {
      throw new StartupError(
        `Cannot load plugin "${entry}": its default export is not a function (core) => plugin`,
      );
    }
    const owner: Owner = {
      name: entry.replace(/^builtin:/, "").replace(/^.*\//, "").replace(/\.[jt]s$/, ""),
      stamps: new Set(),
    };
    let plugin: unknown;
    try {
      plugin = await (factory as PluginFactory)(bindCore(core, owner));
    } catch (e) {
      throw new StartupError(
        `Cannot load plugin "${entry}": its factory threw: ${(e as Error).message}`,
      );
    }
    const checked = checkPlugin(entry, plugin);
    // A plugin's name keys its log lines and its routes (/plugins/<name>/): one owner each.
    if (out.some((o) => o.plugin.name === checked.name)) {
      throw new StartupError(
        `Cannot load plugin "${entry}": another plugin is already named "${checked.name}"; give it a name of its own`,
      );
    }
    for (const k of checked.stamps ?? []) {
      const other = stampOwners.get(k);
      if (other !== undefined) {
        throw new StartupError(
          `Cannot load plugin "${entry}": stamp "${k}" is already declared by plugin "${other}"; a stamp key has one owner`,
        );
      }
      stampOwners.set(k, checked.name);
    }
    owner.name = checked.name;
    owner.stamps = new Set(checked.stamps);
    out.push({ entry, plugin: checked });
  }
  return out;
}
