// The sandbox fields whose grammar is Docker's, so this runtime declares them (the core has none):
// `image` (a reference) and `memory` (a size Docker accepts: at least 6 MiB).
import type { Core, SandboxField } from "../../core/types.ts";
import { checkImageRef } from "./image-ref.ts";
import { memoryBytes } from "./policy.ts";

export function dockerFields(core: Core): SandboxField[] {
  const { v } = core;
  // A runtime error becomes the field's refusal, in the same sentence.
  const asField = <T>(check: () => T): T => {
    try {
      return check();
    } catch (e) {
      return core.fail("INVALID_INPUT", (e as Error).message);
    }
  };
  return [{
    name: "image",
    schema: v.pipe(v.string(), v.description("Docker image (default: the driver's)")),
    normalize: (x, k) => asField(() => checkImageRef(k.text(x), "image")),
  }, {
    name: "memory",
    schema: v.pipe(v.string(), v.description('Memory limit, e.g. "2g" (default 4g)')),
    normalize(x, k) {
      const size = k.text(x, [/^\d+(?:\.\d+)?[kmgt]?b?$/i, 'a size like "512m" or "2g"']);
      asField(() => memoryBytes(size));
      return size;
    },
  }];
}
