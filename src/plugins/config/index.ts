// config: projects and sandbox specs. Saved specs and search paths are the core's sandbox registry
// (core.sandboxes); this plugin adds the tools over it, wrap (refs for existing content), and keeps
// wrap_project registrations in the data dir so they survive a restart.
import type { PluginFactory } from "../../core/types.ts";
import { listSandboxSpecs } from "./list_sandbox_specs.ts";
import { projects } from "./projects.ts";
import { saveSandboxSpec } from "./save_sandbox_spec.ts";
import { wrap } from "./wrap.ts";
import { wrapProject } from "./wrap_project.ts";

export default (async (core) => ({
  name: "config",
  stamps: ["wrapped"],
  tools: [
    saveSandboxSpec(core),
    listSandboxSpecs(core),
    wrap(core),
    wrapProject(core, await projects(core)),
  ],
})) satisfies PluginFactory;
