// fetch() of a URL on the live view's own host name (<label>.localhost, src/server/browser-login.ts).
// Browsers resolve every *.localhost name to loopback themselves; Bun's fetch asks the system
// resolver, which may not know them. So: connect to 127.0.0.1 and send the name as Host.

export function fetchView(url: string, init: RequestInit = {}): Promise<Response> {
  const u = new URL(url);
  const headers = new Headers(init.headers);
  headers.set("host", u.host);
  u.hostname = "127.0.0.1";
  return fetch(u, { ...init, headers });
}
