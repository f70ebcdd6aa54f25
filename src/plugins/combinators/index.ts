// combinators: run and the functional combinators over agents (par, map, chain, reduce, …).
import type { PluginFactory } from "../../core/types.ts";
import { chain } from "./chain.ts";
import { filter } from "./filter.ts";
import { guard } from "./guard.ts";
import { map } from "./map.ts";
import { OUTPUTS } from "./_outputs.ts";
import { mapReduce } from "./map_reduce.ts";
import { par } from "./par.ts";
import { race } from "./race.ts";
import { reduce } from "./reduce.ts";
import { retry } from "./retry.ts";
import { run } from "./run.ts";

export default ((core) => ({
  name: "combinators",
  stamps: ["retry"],
  tools: [run, par, map, chain, reduce, mapReduce, race, retry, filter, guard].map((make) => {
    const tool = make(core);
    return { ...tool, output: tool.output ?? OUTPUTS[tool.name] };
  }),
})) satisfies PluginFactory;
