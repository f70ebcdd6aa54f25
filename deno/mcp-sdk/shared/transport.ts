// For Deno only (deno.json "imports"): the SDK types "./*" as "*.d.ts", so Deno looked for
// "shared/transport.js.d.ts"; this names the types by subpath. Bun and tsc import the SDK directly.
// @ts-types="npm:@modelcontextprotocol/sdk/shared/transport"
export * from "npm:@modelcontextprotocol/sdk/shared/transport.js";
