// Newline-delimited JSON-RPC on stdin/stdout: a drop-in for the SDK's StdioServerTransport, which
// closes itself (and so ends the server, cancelling every run) on one line over 10 MiB. Here a line
// over the limit is skipped without being held in memory and answered with -32600; a line that is
// not valid UTF-8, JSON or JSON-RPC is answered with an error; the next line is served either way.
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

type Id = string | number | null;
const EDGE = 256; // bytes kept from each end of a skipped line: enough to read its id
const utf8 = new TextDecoder("utf-8", { fatal: true });
const ID = String.raw`"id"\s*:\s*(-?\d{1,15}|"[\x20\x21\x23-\x5b\x5d-\x7e]{0,200}")`; // parses as JSON
const HEAD_ID = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?${ID}`);
const TAIL_ID = new RegExp(String.raw`${ID}\s*\}\s*$`); // SDK clients put the id last

export class LineTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private parts: Buffer[] = [];
  private size = 0;
  private skipped?: { head: Buffer; tail: Buffer };
  private closed = false;

  constructor(
    private limit: number,
    private input: Readable = process.stdin,
    private output: Writable = process.stdout,
  ) {}

  start(): Promise<void> {
    this.input.on("data", this.ondata);
    // EOF is the client going away: closing is the server's cue to stop its containers and exit.
    this.input.on("end", this.end);
    this.input.on("error", this.end);
    this.output.on("error", this.end); // EPIPE: nobody reads our answers any more
    return Promise.resolve();
  }

  private end = () => void this.close();

  private ondata = (chunk: Buffer) => {
    for (let start = 0; start < chunk.length;) {
      const nl = chunk.indexOf(10, start);
      this.take(chunk.subarray(start, nl < 0 ? chunk.length : nl));
      if (nl < 0) return;
      this.lineDone();
      start = nl + 1;
    }
  };

  private take(piece: Buffer): void {
    if (this.skipped) {
      const tail = piece.length >= EDGE
        ? piece.subarray(-EDGE)
        : Buffer.concat([this.skipped.tail, piece]).subarray(-EDGE);
      this.skipped.tail = Buffer.from(tail);
      return;
    }
    if (this.size + piece.length <= this.limit) {
      this.parts.push(piece);
      this.size += piece.length;
      return;
    }
    // Over the limit: keep the line's two ends for its id and drop the rest as it arrives.
    const first: Buffer[] = [];
    let kept = 0;
    for (const part of [...this.parts, piece]) {
      if (kept >= EDGE) break;
      first.push(part);
      kept += part.length;
    }
    this.skipped = {
      head: Buffer.concat(first).subarray(0, EDGE),
      tail: Buffer.from(piece.subarray(-EDGE)),
    };
    this.parts = [];
    this.size = 0;
  }

  private lineDone(): void {
    const skipped = this.skipped;
    const line = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    this.skipped = undefined;
    if (skipped) {
      const id = HEAD_ID.exec(skipped.head.toString("latin1")) ??
        TAIL_ID.exec(skipped.tail.toString("latin1"));
      const mib = this.limit / 1048576;
      return this.refuse(
        id ? JSON.parse(id[1]!) : null,
        -32600,
        `Invalid Request: a message may hold at most ${mib} MiB (${this.limit} bytes); this one was skipped. Pass large inputs as files (input_files, mounts) instead`,
      );
    }
    this.handle(line);
  }

  private handle(line: Buffer): void {
    let text: string;
    try {
      text = utf8.decode(line).replace(/\r$/, "");
    } catch {
      return this.refuse(null, -32700, "Parse error: the line is not valid UTF-8");
    }
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return this.refuse(null, -32700, `Parse error: ${(e as Error).message.slice(0, 200)}`);
    }
    if (Array.isArray(value)) {
      return this.refuse(
        null,
        -32600,
        "Invalid Request: batches are not supported; send one message per line",
      );
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown } | null)?.id;
      return this.refuse(
        typeof id === "string" || typeof id === "number" ? id : null,
        -32600,
        "Invalid Request: not a JSON-RPC 2.0 message",
      );
    }
    try {
      this.onmessage?.(parsed.data);
    } catch (e) {
      this.onerror?.(e as Error);
    }
  }

  private refuse(id: Id, code: number, message: string): void {
    this.onerror?.(new Error(message));
    void this.send({ jsonrpc: "2.0", id, error: { code, message } } as JSONRPCMessage);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.output.write(JSON.stringify(message) + "\n")) resolve();
      else this.output.once("drain", resolve);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.input.off("data", this.ondata);
    this.input.pause();
    this.parts = [];
    this.skipped = undefined;
    this.onclose?.();
    return Promise.resolve();
  }
}
