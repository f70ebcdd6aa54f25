// For Deno only (deno.json "imports"): the SDK types "./*" as "*.d.ts", so Deno looked for
// "server/mcp.js.d.ts"; this names the types by subpath. Bun and tsc import the SDK directly.
// @ts-types="npm:@modelcontextprotocol/sdk/server/mcp"
export * from "npm:@modelcontextprotocol/sdk/server/mcp.js";
