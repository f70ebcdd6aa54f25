// types: natural-language types (types/<name>.md on the search paths), the validator agent behind
// filter, retry(declared_type) and guard validated, and output_schema checks.
import type { PluginFactory } from "../../core/types.ts";
import { typeRegistry } from "./registry.ts";
import { schemaChecker } from "./schema.ts";
import { registryTools } from "./tools.ts";
import { validateTool } from "./validate.ts";

export default ((core) => {
  const types = typeRegistry(core);
  return {
    name: "types",
    stamps: ["validated"],
    tools: [...registryTools(core, types, schemaChecker(core)), validateTool(core, types)],
  };
}) satisfies PluginFactory;
