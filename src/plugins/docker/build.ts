// POST /build with a tar context: the engine's progress lines go to a callback, and a failed build
// becomes one IMAGE_UNAVAILABLE error that carries the last lines of output.
import type { Readable } from "node:stream";
import { runtimeError } from "./runtime-error.ts";
import { checkImageRef } from "./image-ref.ts";
import { apiMessage, type DockerApi, status } from "./docker-api.ts";

export async function buildImage(
  api: DockerApi,
  context: Uint8Array,
  tag: string,
  buildArgs: Record<string, string>,
  onLine: (line: string) => void,
): Promise<void> {
  checkImageRef(tag, "image tag");
  const tail: string[] = [];
  let error: string | undefined;
  const note = (line: string) => {
    const l = line.replace(/\s+$/, "");
    if (!l) return;
    tail.push(l);
    if (tail.length > 20) tail.shift();
    onLine(l);
  };
  const fail = (why: string): never => {
    throw runtimeError(
      "image",
      `Cannot build image "${tag}": ${why}; last build output:\n${tail.join("\n")}`,
    );
  };
  let res: Readable;
  try {
    res = await api.stream({
      method: "POST",
      path: "/build",
      query: { t: tag, buildargs: JSON.stringify(buildArgs), rm: 1, forcerm: 1 },
      file: context,
      ok: [200],
      timeoutMs: 0,
    }); // a build takes minutes
  } catch (e) {
    if (status(e) === undefined) throw e;
    return fail(apiMessage(e));
  }
  let buf = "";
  const handle = (line: string) => {
    if (!line.trim()) return;
    let msg: {
      stream?: string;
      status?: string;
      error?: string;
      errorDetail?: { message?: string };
    };
    try {
      msg = JSON.parse(line);
    } catch {
      return note(line);
    }
    if (msg.stream) { for (const l of msg.stream.split("\n")) note(l); }
    else if (msg.status) note(msg.status);
    if (msg.error || msg.errorDetail) error = msg.errorDetail?.message || msg.error;
  };
  res.setEncoding("utf8");
  try {
    for await (const chunk of res) {
      buf += chunk as string;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        handle(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    }
  } catch (e) {
    throw api.unavailable(e); // the connection dropped mid-build
  }
  handle(buf);
  if (error) fail(error);
}
