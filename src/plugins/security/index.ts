// security: encryption at rest (encrypt, decrypt) and classification (classify, enforced before an
// agent is queued). The only writer of the `encryption` and `classification` stamps.
import type { PluginFactory } from "../../core/types.ts";
import { classification } from "./classify.ts";
import { cryptTools } from "./crypt.ts";

export default ((core) => {
  const c = classification(core);
  return {
    name: "security",
    stamps: ["encryption", "classification"],
    hooks: c.hooks,
    tools: [...cryptTools(core), c.tool],
  };
}) satisfies PluginFactory;
