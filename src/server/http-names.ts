// Which Host and Origin headers name this server (the DNS rebinding guard of --http): loopback
// names and the bound host, on any port, and the names given with --allowed-host.

export const LOCAL_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);
export const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i;
export const HOST_NAME = /^(\[[0-9a-f:.]+\]|[0-9a-f:.]*:[0-9a-f:.]*|[a-z0-9.-]+)$/i;

export const bracketed = (host: string) =>
  (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host).toLowerCase();

/** A Host header (or an Origin's host) naming this machine's loopback, the bound host or one of
 * `extra` (--allowed-host); any port, so SSH tunnels and proxies on other local ports work.
 * `anyName` when bound to a wildcard address. */
export function allowedHost(
  value: string,
  bound: string,
  anyName: boolean,
  extra?: Set<string>,
): boolean {
  const m = HOST_HEADER.exec(value);
  if (!m || Number(m[2] ?? 0) > 65535) return false;
  const name = m[1]!.toLowerCase();
  return anyName || LOCAL_NAMES.has(name) || name === bound || !!extra?.has(name);
}

/** Browsers send Origin; other clients do not. "null", file:, paths and non-canonical forms are
 * refused. `view`: the live view's own host name (browser-login.ts). */
export function allowedOrigin(origin: string, bound: string, view?: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === origin &&
      allowedHost(u.host, bound, false, view ? new Set([view]) : undefined);
  } catch {
    return false;
  }
}
