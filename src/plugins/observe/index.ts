// observe: reading refs (unwrap, inspect) and following runs (wait, status, cancel, runs).
import type { PluginFactory } from "../../core/types.ts";
import { inspect } from "./inspect.ts";
import { runTools } from "./runs.ts";
import { unwrap } from "./unwrap.ts";

export default ((core) => ({
  name: "observe",
  tools: [unwrap(core), inspect(core), ...runTools(core)],
})) satisfies PluginFactory;
