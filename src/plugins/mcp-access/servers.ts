// One MCP server entry, as seed 004 declares it: enabled (default true), type stdio | http | sse
// (default stdio), command + args + env + cwd for stdio, url + headers for http/sse. Every error
// names the field; the registry adds the server's name and file. ${VAR} and ${VAR:-default} are
// expanded on the host right before staging, and an unset variable without default fails closed.

export const TYPES = ["stdio", "http", "sse"] as const;
export type McpType = (typeof TYPES)[number];
/** The names `mcps` may hold (also the server part of the CLI's mcp__<server>__<tool> names). */
export const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

export interface McpServer {
  type: McpType;
  enabled: boolean;
  command?: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  url?: string;
  headers: Record<string, string>;
}

const FIELDS: Record<McpType, string[]> = {
  stdio: ["command", "args", "env", "cwd"],
  http: ["url", "headers"],
  sse: ["url", "headers"],
};
const MAX_TEXT = 16_384;

/** A field that is wrong: its path ("args[1]") and what it should be. */
export class FieldError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`field "${field}" ${problem}`);
  }
}

const show = (x: unknown) => (x === undefined ? "nothing" : JSON.stringify(x)?.slice(0, 60));

function text(x: unknown, field: string): string {
  if (typeof x !== "string" || x === "") {
    throw new FieldError(field, `must be a non-empty string, not ${show(x)}`);
  }
  if (x.length > MAX_TEXT || x.includes("\0")) {
    throw new FieldError(field, `must be at most ${MAX_TEXT} characters without NUL`);
  }
  return x;
}

function strings(x: unknown, field: string): string[] {
  if (!Array.isArray(x)) throw new FieldError(field, `must be an array of strings, not ${show(x)}`);
  if (x.length > 256) throw new FieldError(field, "may hold at most 256 items");
  return x.map((a, i) => {
    if (typeof a !== "string" || a.includes("\0")) {
      throw new FieldError(`${field}[${i}]`, `must be a string, not ${show(a)}`);
    }
    return a;
  });
}

function table(x: unknown, field: string, key: RegExp): Record<string, string> {
  if (!x || typeof x !== "object" || Array.isArray(x)) {
    throw new FieldError(field, `must be an object of strings, not ${show(x)}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) {
    if (!key.test(k)) throw new FieldError(`${field}.${k}`, "is not a valid name");
    if (typeof v !== "string" || v.includes("\0")) {
      throw new FieldError(`${field}.${k}`, `must be a string, not ${show(v)}`);
    }
    out[k] = v;
  }
  return out;
}

/** Check one raw entry (any JSON) against the schema; throws FieldError. Unknown keys (other
 * clients' settings) are ignored and never staged. */
export function parseServer(raw: unknown): McpServer {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new FieldError("(entry)", `must be an object, not ${show(raw)}`);
  }
  const e = raw as Record<string, unknown>;
  const type = e.type ?? "stdio";
  if (!TYPES.includes(type as McpType)) {
    throw new FieldError("type", `must be one of ${TYPES.join(", ")}, not ${show(type)}`);
  }
  const t = type as McpType;
  for (const f of ["command", "args", "env", "cwd", "url", "headers"]) {
    if (e[f] !== undefined && !FIELDS[t].includes(f)) {
      throw new FieldError(f, `does not apply to a ${t} server (it takes ${FIELDS[t].join(", ")})`);
    }
  }
  if (e.enabled !== undefined && typeof e.enabled !== "boolean") {
    throw new FieldError("enabled", `must be true or false, not ${show(e.enabled)}`);
  }
  const server: McpServer = {
    type: t,
    enabled: e.enabled !== false,
    args: e.args === undefined ? [] : strings(e.args, "args"),
    env: e.env === undefined ? {} : table(e.env, "env", /^[A-Za-z_][A-Za-z0-9_]{0,127}$/),
    headers: e.headers === undefined
      ? {}
      : table(e.headers, "headers", /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/),
  };
  if (t === "stdio") {
    server.command = text(e.command, "command");
    if (e.cwd !== undefined) server.cwd = text(e.cwd, "cwd");
  } else {
    const url = text(e.url, "url");
    if (!/^https?:\/\/[^\s/]+/i.test(url)) {
      throw new FieldError("url", `must be an http:// or https:// URL, not ${show(url)}`);
    }
    server.url = url;
  }
  return server;
}

/** swarm-mcp's own credentials: an entry that names one would hand the model account, or control
 * of this server, to every agent given the server (a project's .mcp.json may be an agent's edit). */
const OWN_SECRETS = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "CLAUDE_CODE_OAUTH_TOKEN",
  "SWARM_HTTP_TOKEN",
];

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** ${VAR} and ${VAR:-default} in one value; `field` names it in the error. `only`: the names a
 * project's entry may expand (SWARM_MCP_PROJECT_VARS); any other is refused, default or not. */
export function expand(
  value: string,
  env: Record<string, string | undefined>,
  field: string,
  only?: ReadonlySet<string>,
) {
  const out = value.replace(
    VAR,
    (_, name: string, fallback?: string) => {
      if (OWN_SECRETS.includes(name)) {
        throw new FieldError(
          field,
          `uses \${${name}}, swarm-mcp's own credential, which is never given to an MCP server; give the server a variable of its own`,
        );
      }
      if (only && !only.has(name)) {
        throw new FieldError(
          field,
          `uses \${${name}}, which a project's .mcp.json may not expand (an agent may have written the file); the operator can allow it with SWARM_MCP_PROJECT_VARS=${name}`,
        );
      }
      const v = env[name];
      // As in the shell: ":-" also replaces an empty value; plain ${VAR} keeps an empty one.
      if (fallback !== undefined) return v === undefined || v === "" ? fallback : v;
      if (v !== undefined) return v;
      throw new FieldError(
        field,
        `uses \${${name}}, which is not set and has no default; set it in swarm-mcp's environment or write \${${name}:-default}`,
      );
    },
  );
  // The claude CLI expands the same syntax in its --mcp-config, inside the container, from the
  // agent's env (its model credential): "${X:-$}{ANTHROPIC_API_KEY}" must not leave one behind.
  if (new RegExp(VAR.source).test(out)) {
    throw new FieldError(
      field,
      "leaves a ${…} behind once expanded, which the claude CLI would expand again inside the agent's container; write the value without it",
    );
  }
  return out;
}

/** Every expandable field expanded (command, args, env, cwd, url, headers). */
export function interpolate(
  s: McpServer,
  env: Record<string, string | undefined>,
  only?: ReadonlySet<string>,
): McpServer {
  const x = (v: string, field: string) => expand(v, env, field, only);
  const map = (o: Record<string, string>, at: string) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, x(v, `${at}.${k}`)]));
  return {
    ...s,
    ...(s.command !== undefined ? { command: x(s.command, "command") } : {}),
    ...(s.cwd !== undefined ? { cwd: x(s.cwd, "cwd") } : {}),
    ...(s.url !== undefined ? { url: x(s.url, "url") } : {}),
    args: s.args.map((a, i) => x(a, `args[${i}]`)),
    env: map(s.env, "env"),
    headers: map(s.headers, "headers"),
  };
}
