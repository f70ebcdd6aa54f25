// combinators: run and the functional combinators over agents (par, map, chain, reduce, …).
import type { PluginFactory } from "../../core/types.ts";
import { run } from "./run.ts";

export default ((core) => ({ name: "combinators", tools: [run(core)] })) satisfies PluginFactory;
