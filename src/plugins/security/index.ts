// security: encryption at rest (encrypt, decrypt) and classification (classify, enforced before an
// agent is queued). The only writer of the `encryption` and `classification` stamps.
import type { PluginFactory } from "../../core/types.ts";
import { classification } from "./classify.ts";
import { cryptTools } from "./crypt.ts";

export default ((core) => {
  const c = classification(core);
  const crypt = cryptTools(core);
  const all = core.config.env.SWARM_ENCRYPT_ALL === "1";
  return {
    name: "security",
    stamps: ["encryption", "classification"],
    hooks: {
      check: c.hooks.check,
      async finish(job, ref) {
        const inherited = await c.hooks.finish!(job, ref);
        // SWARM_ENCRYPT_ALL=1: every ref with output is sealed as it finishes (failed ones too);
        // its stamp is returned as well, so the ref the caller gets shows the key_id.
        if (!all || (ref.size === 0 && ref.structured_output === undefined)) return inherited;
        const { stamps } = await crypt.encryptRef(ref.ref, true);
        return { stamps: { ...inherited?.stamps, encryption: stamps!.encryption! } };
      },
    },
    tools: [...crypt.tools, c.tool],
  };
}) satisfies PluginFactory;
