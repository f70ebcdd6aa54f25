// types: natural-language types (types/<name>.md on the search paths), the validator agent behind
// filter, retry(declared_type) and guard validated, and output_schema checks.
import type { PluginFactory } from "../../core/types.ts";
import { typeHooks } from "./hooks.ts";
import { typeRegistry } from "./registry.ts";
import { schemaChecker } from "./schema.ts";
import { registryTools } from "./tools.ts";
import { validateTool } from "./validate.ts";

export default ((core) => {
  const types = typeRegistry(core);
  const schemas = schemaChecker(core);
  return {
    name: "types",
    stamps: ["validated"],
    hooks: typeHooks(core, types, schemas),
    tools: [...registryTools(core, types, schemas), validateTool(core, types)],
  };
}) satisfies PluginFactory;
