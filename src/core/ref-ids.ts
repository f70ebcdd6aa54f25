// Ref ids and the one inventory of an agent's directory: every path under the data dir is derived
// here from ids that passed these checks; caller text is never joined into a path.
import { join } from "node:path";
import { fail } from "./errors.ts";
import type { AgentPaths } from "./types.ts";

export const RUN_ID = /^[0-9a-f]{12}$/;
export const AGENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_REF_INPUT = 4096;

/** Every file and directory one agent's dir can hold, named once. The text lives in `text` or in a
 * file the driver names (the command driver's is `stream`); structured output lives in `result`. */
export const AGENT_FILES = {
  result: "result.json", // the record: status, cost, structured output, signed stamps (server-written)
  text: "text.md", // output text a driver handed over inline
  stream: "stream.jsonl", // the container's stdout
  stderr: "stderr.log", // the container's stderr
  prompt: "prompt.txt",
  stdin: "stdin.txt", // the container's stdin, when a driver sends other text than the prompt
  artifacts: "out/artifacts.jsonl", // what the agent wrote or ran (claude's PostToolUse hook)
  unwrapped: "output.md", // unwrap's copy of the text
  inspect: "inspect.md", // inspect's report
  sandbox: "sandbox.json", // the sandbox it ran with, env_vars left out (claude-code's reply)
  patch: "repo.patch", // what it changed in a repository (the repo plugin)
  home: "home", // staged HOME, mounted into the container
  workspace: "workspace", // mounted at the sandbox's workdir
  out: "out", // mounted at /output
} as const;

/** A plain name in the agent dir (text.md, stream.jsonl, …), never a path. */
export const isFileName = (name: unknown): name is string =>
  typeof name === "string" && AGENT_ID.test(name) && name !== "." && name !== "..";

/** Validate an agent id chosen by a tool (not by a caller): a programming error otherwise. */
export function checkAgentId(id: string): string {
  if (!isFileName(id)) throw new RangeError(`Invalid agent id "${id}"`);
  return id;
}

/** The layout of one agent's directory, from the inventory. */
export function agentPaths(dir: string): AgentPaths {
  const f = AGENT_FILES;
  return {
    dir,
    home: join(dir, f.home),
    workspace: join(dir, f.workspace),
    out: join(dir, f.out),
    stream: join(dir, f.stream),
    stderr: join(dir, f.stderr),
    prompt: join(dir, f.prompt),
    stdin: join(dir, f.stdin),
  };
}

export function parseRefId(input: unknown): { run_id: string; agent_id: string } {
  let value = input;
  if (typeof value === "string" && value.length > MAX_REF_INPUT) {
    fail(
      "INVALID_INPUT",
      `Cannot read ref: the value is ${value.length} characters long; pass the "ref" field of a result, like "a1b2c3d4e5f6/agent-0"`,
    );
  }
  if (typeof value === "string" && value.trim().startsWith("{")) {
    const text: string = value;
    try {
      value = JSON.parse(text);
    } catch {
      fail(
        "INVALID_INPUT",
        `Cannot read ref ${
          JSON.stringify(text.slice(0, 80))
        }: it is not valid JSON; pass a ref id like "a1b2c3d4e5f6/agent-0"`,
      );
    }
  }
  if (value && typeof value === "object" && "ref" in value) value = (value as { ref: unknown }).ref;
  if (typeof value !== "string") {
    fail(
      "INVALID_INPUT",
      `Cannot read ref: expected a string like "a1b2c3d4e5f6/agent-0" or an object with a "ref" field, got ${typeof value}`,
    );
  }
  const m = /^([^/]*)\/([^/]*)$/.exec(value.trim());
  if (!m || !RUN_ID.test(m[1]!) || !isFileName(m[2])) {
    fail(
      "INVALID_INPUT",
      `Cannot read ref ${
        JSON.stringify(value.slice(0, 100))
      }: a ref is "<12 hex run id>/<agent id>", like "a1b2c3d4e5f6/agent-0"; copy it from a tool result`,
    );
  }
  return { run_id: m[1]!, agent_id: m[2]! };
}
