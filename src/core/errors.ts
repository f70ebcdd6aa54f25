// ToolError and the one mapping of errors to MCP tool results. Errors are recognised by a brand,
// not by instanceof alone: plugin files are separate modules and may hold another copy.
import { statfs } from "node:fs/promises";
import type { ErrorCode, Json } from "./types.ts";

const BRAND = Symbol.for("swarm-mcp.ToolError");

export class ToolError extends Error {
  readonly [BRAND] = true;
  override name = "ToolError";
  constructor(readonly code: ErrorCode, message: string, readonly data: Record<string, Json> = {}) {
    super(message);
  }
}

export function isToolError(e: unknown): e is ToolError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

export function fail(code: ErrorCode, message: string, data?: Record<string, Json>): never {
  throw new ToolError(code, message, data);
}

/** True for the DOMException-style errors AbortSignal produces. */
export function isAbortError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === "AbortError" || name === "TimeoutError";
}

const STORAGE_REASONS: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
};

/** Run a write into the data dir: a full disk, a spent quota or a read-only file system become a
 * sentence naming the directory and its free space (a raw ENOSPC would read as a server bug). */
export async function writingData<T>(
  what: string,
  dir: string,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (e) {
    const errno = (e as { code?: unknown } | null)?.code;
    if (typeof errno !== "string" || !Object.hasOwn(STORAGE_REASONS, errno)) throw e;
    const reason = STORAGE_REASONS[errno];
    const fs = await statfs(dir).catch(() => null);
    const freeKb = fs ? Math.floor((Number(fs.bavail) * Number(fs.bsize)) / 1024) : -1;
    fail(
      "CONFLICT",
      `Cannot write ${what} in the data directory ${dir}: ${reason} (${
        freeKb < 0 ? "free space unknown" : `${freeKb} KB free`
      }); free space or set SWARM_DATA_DIR`,
      { errno, data_dir: dir, free_kb: freeKb },
    );
  }
}

export interface ToolResult {
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
}

let incidents = 0;

/** Map anything a tool threw to an isError result. Bugs get an incident id; the stack goes to stderr. */
export function errorResult(tool: string, e: unknown, logError: (msg: string) => void): ToolResult {
  if (isToolError(e)) {
    return {
      content: [{ type: "text", text: e.message }],
      structuredContent: { error: { code: e.code, ...e.data } },
      isError: true,
    };
  }
  if (isAbortError(e)) {
    return {
      content: [{ type: "text", text: `Cannot finish "${tool}": the call was cancelled` }],
      structuredContent: { error: { code: "CANCELLED" } },
      isError: true,
    };
  }
  const incident = `${process.pid.toString(16)}-${(++incidents).toString(16)}`;
  logError(
    `internal error in tool "${tool}" (incident ${incident}): ${(e as Error)?.stack ?? String(e)}`,
  );
  return {
    content: [{
      type: "text",
      text: `Internal error in tool "${tool}" (incident ${incident}): see the server log`,
    }],
    structuredContent: { error: { code: "INTERNAL", incident } },
    isError: true,
  };
}
