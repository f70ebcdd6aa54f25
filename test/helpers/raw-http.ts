// HTTP on a raw socket, for what fetch() will not send: a foreign or empty Host header, odd
// request lines, exact bytes. Every call is bounded: a server that neither answers nor closes
// within `ms` gives status 0.
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/** Send `request` (exact bytes: request line, headers, blank line, body) and read the answer. */
export function rawHttp(port: number, request: string, ms = 5000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let data = "";
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const [headers = "", rest = ""] = data.split("\r\n\r\n", 2);
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(headers)?.[1] ?? 0),
        headers,
        body: rest,
      });
    };
    const timer = setTimeout(done, ms);
    sock.on("data", (d) => {
      data += d;
      // Enough once the headers and a Content-Length body (or the first SSE event) are in.
      const [h, b] = data.split("\r\n\r\n", 2);
      const len = /content-length: (\d+)/i.exec(h ?? "")?.[1];
      if (
        b !== undefined &&
        ((len !== undefined && Buffer.byteLength(b) >= Number(len)) ||
          /text\/event-stream/i.test(h!))
      ) done();
    });
    sock.on("error", done);
    sock.on("close", done);
    sock.write(request);
  });
}

/** A whole POST /mcp request with the given extra headers ("name: value") and body. */
export function post(headers: string[], body: string, method = "POST"): string {
  const head = [
    `${method} /mcp HTTP/1.1`,
    ...headers,
    "content-type: application/json",
    "accept: application/json, text/event-stream",
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
  ];
  return head.join("\r\n") + "\r\n\r\n" + body;
}
