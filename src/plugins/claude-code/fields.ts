// The sandbox fields of the claude driver, declared once: what tools/list publishes, the check of
// a value that reaches `claude`'s argv (no whitespace, NUL or leading "-"), and the defaults.
import type { Core, Json, SandboxField } from "../../core/types.ts";

declare module "../../core/sandbox-types.ts" {
  interface SandboxSpec {
    model: string;
    tools: string[];
    mcps: string[];
    system_prompt?: string;
    claude_md?: string;
    output_schema?: Record<string, Json>;
    effort?: string;
    max_budget?: number;
  }
}

export const DEFAULT_TOOLS = ["Read", "Write", "Glob", "Grep", "Bash"];
/** `--effort` values the CLI accepts; it ignores any other with only a warning on stderr. */
export const EFFORTS = ["low", "medium", "high", "xhigh", "max"];
const MAX_ARG = 100_000; // one argv string must stay below Linux's 128 KiB
const MODEL = /^[A-Za-z0-9][A-Za-z0-9._:/@[\]+-]{0,199}$/;
// `claude --tools` takes built-in tool names ("Bash,Edit,Read") and splits on commas and spaces,
// so "Read --allowedTools Write" would enable Write: names only, or mcp__<server>__<tool>.
const TOOL = /^(?:(?!mcp__)[A-Za-z][A-Za-z0-9_]{0,63}|mcp__[A-Za-z0-9-][A-Za-z0-9_-]{0,127})$/;

export function claudeFields(core: Core): SandboxField[] {
  const { v } = core;
  const d = (schema: Parameters<typeof v.pipe>[0], text: string) =>
    v.pipe(schema, v.description(text));
  const list = (text: string) => d(v.union([v.array(v.string()), v.string()]), text);
  return [
    {
      name: "model",
      schema: d(v.string(), 'Model: "sonnet" (default), "opus", "haiku" or a full name'),
      normalize: (x, k) => k.text(x, [MODEL, 'a model name like "sonnet"']),
      default: "sonnet",
    },
    {
      name: "tools",
      schema: list(`Tools the agent may use (default ${DEFAULT_TOOLS.join(",")})`),
      normalize: (x, k) => k.list(x, [TOOL, 'tool names like "Read" or "mcp__server__tool"']),
      default: DEFAULT_TOOLS,
    },
    {
      name: "mcps",
      schema: list("MCP servers to give the agent (list_mcps)"),
      normalize: (x, k) => k.list(x, [/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, "MCP server names"]),
      default: [],
    },
    {
      name: "system_prompt",
      schema: d(v.string(), "System prompt"),
      normalize(x, k) {
        const text = k.text(x);
        if (text.length > MAX_ARG) {
          core.fail(
            "TOO_LARGE",
            `Cannot use sandbox field "system_prompt": ${text.length} characters is over the ${MAX_ARG} limit of one argument; put long instructions in claude_md`,
          );
        }
        return text;
      },
    },
    {
      name: "claude_md",
      schema: d(v.string(), "CLAUDE.md placed in the workdir"),
      normalize: (x, k) => k.text(x),
    },
    {
      name: "output_schema",
      schema: d(
        v.union([v.record(v.string(), v.unknown()), v.string()]),
        "JSON Schema the final answer must match",
      ),
      normalize(x, k) {
        const s = k.json(x);
        if (!s || typeof s !== "object" || Array.isArray(s)) k.wrong("a JSON Schema object", s);
        try {
          JSON.stringify(s); // nested past the stack, every later copy of the spec would crash the run
        } catch {
          core.fail(
            "INVALID_INPUT",
            'Cannot use sandbox field "output_schema": it is nested too deeply; flatten the schema',
          );
        }
        return s;
      },
    },
    {
      name: "effort",
      schema: d(v.string(), `Reasoning effort: ${EFFORTS.join(", ")}`),
      normalize: (x, k) =>
        k.text(x, [new RegExp(`^(?:${EFFORTS.join("|")})?$`), `one of ${EFFORTS.join(", ")}`]),
    },
    {
      name: "max_budget",
      schema: d(v.union([v.number(), v.string()]), "Most USD this agent may spend"),
      normalize: (x, k) => k.number(x, [(n) => n >= 0 && n <= 1e6, "USD from 0 to 1000000"]),
    },
  ];
}
