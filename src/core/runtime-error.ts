// Runtime errors: a runtime plugin throws them (made by core.runtimeError, recognised by a brand
// since plugin files hold no core classes), and spawn turns them into tool errors here, in one place.
import { ToolError } from "./errors.ts";
import type { ErrorCode, RuntimeErrorKind } from "./types.ts";

const KIND = Symbol.for("swarm-mcp.RuntimeError");
const CODES: Record<RuntimeErrorKind, ErrorCode> = {
  unavailable: "DOCKER_UNAVAILABLE",
  image: "IMAGE_UNAVAILABLE",
  invalid: "INVALID_INPUT",
  forbidden: "FORBIDDEN",
  conflict: "CONFLICT",
  start: "AGENT_FAILED",
};

export function runtimeError(kind: RuntimeErrorKind, message: string): Error {
  return Object.assign(new Error(message), { name: "RuntimeError", [KIND]: kind });
}

/** A runtime error as the tool error it means; anything else unchanged. */
export function fromRuntime(e: unknown): unknown {
  const kind = (e as Record<symbol, RuntimeErrorKind> | null)?.[KIND];
  return kind && kind in CODES ? new ToolError(CODES[kind], (e as Error).message) : e;
}
