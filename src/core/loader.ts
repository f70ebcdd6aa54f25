// Manifest → plugins. `builtin:<name>` entries come from the generated static registry (the only
// way built-ins survive `bun build --compile`); other entries are files loaded with import(),
// relative to the manifest. Any problem stops start-up with one line: which plugin, what is wrong.
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Core, Plugin, PluginFactory } from "./types.ts";

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
  for (const a of plugin.agents ?? []) {
    if (
      !a || typeof a.name !== "string" || typeof a.prepare !== "function" ||
      typeof a.parse !== "function"
    ) throw bad("an agent driver needs name, prepare and parse");
  }
  for (const r of plugin.runtimes ?? []) {
    if (!r || typeof r.name !== "string" || typeof r.create !== "function") {
      throw bad("a runtime needs name and create");
    }
  }
  return plugin;
}

export async function loadPlugins(
  manifest: Manifest,
  builtins: Record<string, PluginFactory>,
  core: Core,
): Promise<{ entry: string; plugin: Plugin }[]> {
  const out: { entry: string; plugin: Plugin }[] = [];
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
    let plugin: unknown;
    try {
      plugin = await (factory as PluginFactory)(core);
    } catch (e) {
      throw new StartupError(
        `Cannot load plugin "${entry}": its factory threw: ${(e as Error).message}`,
      );
    }
    out.push({ entry, plugin: checkPlugin(entry, plugin) });
  }
  return out;
}
