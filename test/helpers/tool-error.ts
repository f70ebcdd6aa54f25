// Errors as a caller sees them: what the runtime throws goes through spawn's one mapping
// (src/core/runtime-error.ts), so a test that calls the docker plugin directly asserts the code
// and sentence a tool call would return. Core errors pass through unchanged.
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime } from "../../src/core/runtime-error.ts";

export { fromRuntime };

export const isCode = (code: string) => (e: unknown) => {
  const t = fromRuntime(e);
  return isToolError(t) && t.code === code;
};
