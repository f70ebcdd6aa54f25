// The pipeline plugin passes the plugin contract (names, schemas, cancellation, error codes).
import { builtins } from "../../../src/plugins/_registry.ts";
import { testPlugin } from "../../contract/plugin-contract.ts";

testPlugin("pipeline", builtins.pipeline!, {
  samples: { pipeline: { definition: { steps: [{ prompt: "contract sample" }] }, wait_s: 0 } },
});
