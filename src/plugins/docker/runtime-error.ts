// Runtime errors in the branded shape the core recognises (src/core/runtime-error.ts): this plugin
// imports no core module at run time, and its engine layer is also used without a core (the CLI).
import type { RuntimeErrorKind } from "../../core/types.ts";

export function runtimeError(kind: RuntimeErrorKind, message: string): Error {
  return Object.assign(new Error(message), {
    name: "RuntimeError",
    [Symbol.for("swarm-mcp.RuntimeError")]: kind,
  });
}
