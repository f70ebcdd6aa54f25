// The stdio transport's line limit, on the class itself: a line over the limit is refused with
// -32600 naming its id and never handed to the server, and the next line is served.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { LineTransport } from "../../src/server/stdio.ts";

/** The next JSON line the transport writes, within 2 s. */
function nextLine(out: PassThrough): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer on stdout within 2 s")), 2000);
    let buf = "";
    const on = (d: Buffer) => {
      buf += d.toString();
      if (!buf.includes("\n")) return;
      clearTimeout(timer);
      out.off("data", on);
      resolve(JSON.parse(buf.slice(0, buf.indexOf("\n"))));
    };
    out.on("data", on);
  });
}

describe("stdio line limit", () => {
  it("refuses a valid message over the limit by its id and serves the next line", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const t = new LineTransport(1024, input, output);
    const got: unknown[] = [];
    t.onmessage = (m) => void got.push(m);
    await t.start();
    try {
      const big = { jsonrpc: "2.0", id: 7, method: "ping", params: { pad: "a".repeat(4096) } };
      const answer = nextLine(output);
      input.write(JSON.stringify(big) + "\n");
      const a = await answer;
      assert.equal((a.error as { code: number }).code, -32600);
      assert.equal(a.id, 7);
      input.write(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "ping" }) + "\n");
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        got.map((m) => (m as { id: number }).id),
        [8],
        "oversize line reached the server",
      );
    } finally {
      await t.close();
    }
  });
});
