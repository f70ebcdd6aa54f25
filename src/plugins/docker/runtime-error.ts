// Runtime errors in the branded shape the core recognises (src/core/runtime-error.ts maps them to
// tool errors in one place): this plugin imports no core module at run time, and its engine layer
// is also used without a core (the CLI).
import type { RuntimeErrorKind } from "../../core/types.ts";

const KIND = Symbol.for("swarm-mcp.RuntimeError");

export function runtimeError(kind: RuntimeErrorKind, message: string): Error {
  return Object.assign(new Error(message), { name: "RuntimeError", [KIND]: kind });
}

/** Throw a runtime error: the runtime's `fail`. */
export function refuse(kind: RuntimeErrorKind, message: string): never {
  throw runtimeError(kind, message);
}

export function isRuntimeError(e: unknown): e is Error {
  return typeof e === "object" && e !== null && KIND in e;
}
