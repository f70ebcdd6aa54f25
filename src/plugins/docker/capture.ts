// How a container's output reaches the run's stdout and stderr files. Two ways:
//  - "files" (the default): the container writes them itself. The files, and the stdin file, are
//    bind-mounted from the host, and a one-line /bin/sh wrapper redirects the command into them,
//    so not one output byte passes through this process: its memory stays flat whatever the
//    output size, and a killed container leaves its partial output where it was written.
//  - "stream" (capture-stream.ts): the engine's attach connection carries stdin and the output.
//    Used when asked, or when the wrapper cannot run: an image without /bin/sh, or a container
//    user who may not open the mounted files. The wrapper reports that in the container log
//    before the command has run, so running it again the other way repeats nothing.
import { constants } from "node:fs";
import { access, appendFile, open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { runtimeError } from "./runtime-error.ts";
import type { DockerRunOptions } from "./types.ts";
import { containerPath, type DockerApi, imagePath } from "./docker-api.ts";

/** Where the files appear inside the container; user mounts may not cover it (mounts.ts). */
export const IO_DIR = "/run/swarm-io";

/** "wrapper-failed": nothing ran, try without the wrapper; "rerun": nothing ran, the remote
 * engine's image lacked a dir (ship-capture.ts), run again copying it in. */
export type Settled = "wrapper-failed" | "rerun";

/** What one way of capturing adds to a container's life. */
export interface Capture {
  /** Merged into the create body: attach flags, or the wrapper's Entrypoint and Cmd. */
  config: Record<string, unknown>;
  binds: string[];
  /** Between create and start. */
  beforeStart(id: string): Promise<void>;
  /** After the container exited, before it is removed. "wrapper-failed": nothing ran; try "stream". */
  afterExit(id: string, exitCode: number, hurry: boolean): Promise<Settled | void>;
  /** Always called last; releases whatever is still open. */
  close(): Promise<void>;
}

// "$@" is the command line; "swarm-io" is only the wrapper's $0, shown in error messages.
const script = (stdin: boolean) =>
  `exec "$@" <${stdin ? `${IO_DIR}/stdin` : "/dev/null"} >>${IO_DIR}/stdout 2>>${IO_DIR}/stderr`;

export async function fileCapture(api: DockerApi, o: DockerRunOptions): Promise<Capture> {
  // A bind of a missing path would make Docker create a directory there: check first.
  if (o.stdinFile !== undefined) await access(o.stdinFile, constants.R_OK);
  await Promise.all([emptyFile(o.stdoutFile), emptyFile(o.stderrFile)]);
  const argv = await commandLine(api, o);
  const stdin = o.stdinFile !== undefined;
  return {
    config: {
      Entrypoint: ["/bin/sh", "-c", script(stdin), "swarm-io"],
      Cmd: argv,
      AttachStdout: false,
      AttachStderr: false,
    },
    binds: [
      `${o.stdoutFile}:${IO_DIR}/stdout:rw`,
      `${o.stderrFile}:${IO_DIR}/stderr:rw`,
      ...(stdin ? [`${o.stdinFile}:${IO_DIR}/stdin:ro`] : []),
    ],
    async beforeStart() {},
    async afterExit(id, exitCode) {
      if (exitCode === 0) return;
      const sizes = await Promise.all(
        [o.stdoutFile, o.stderrFile].map((f) => stat(f).then((s) => s.size, () => 0)),
      );
      if (sizes[0]! > 0 || sizes[1]! > 0) return; // the command ran and spoke for itself
      // Only the wrapper (or the init before it) writes to the container's own stderr.
      const said = await containerLog(api, id).catch(() => "");
      if (wrapperFailed(said)) return "wrapper-failed";
      if (said) await appendFile(o.stderrFile, said);
    },
    async close() {},
  };
}

/** True when the container log shows the wrapper never reached the command: no /bin/sh (tini or
 * runc says so), or a redirect it could not open (dash "cannot create", busybox "can't create",
 * bash "…: Permission denied" all name the path). The command's own stderr never lands there. */
export function wrapperFailed(log: string): boolean {
  return /exec \/bin\/sh failed|"\/bin\/sh": (stat|executable file not found)|\/run\/swarm-io\/std(in|out|err):/
    .test(log);
}

/** The argv the wrapper runs: what Docker itself would run for this create body. */
export async function commandLine(api: DockerApi, o: DockerRunOptions): Promise<string[]> {
  // Docker's rule: an explicit Entrypoint drops the image's Cmd; otherwise an empty Cmd takes it.
  if (o.entrypoint) return [...o.entrypoint, ...o.cmd];
  let config: { Entrypoint?: string[] | null; Cmd?: string[] | null } = {};
  try {
    const img = await api.call<{ Config?: typeof config | null }>({
      method: "GET",
      path: imagePath(o.image, "/json"),
      ok: [200],
    });
    config = img.Config ?? {};
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === undefined) throw e;
    // Unknown image: create will report it with its own clear message.
  }
  const argv = [...(config.Entrypoint ?? []), ...(o.cmd.length ? o.cmd : (config.Cmd ?? []))];
  if (argv.length === 0) {
    throw runtimeError(
      "invalid",
      `Cannot run image "${o.image}": it names no command and none was given; set the sandbox's command`,
    );
  }
  return argv;
}

/** The last lines the container wrote to its own stdout/stderr (the engine's log). */
async function containerLog(api: DockerApi, id: string): Promise<string> {
  const res: Readable = await api.stream({
    method: "GET",
    path: containerPath(id, "/logs"),
    query: { stdout: 1, stderr: 1, tail: 50 },
    ok: [200],
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    if (size < 65536) chunks.push(Buffer.from(c as Uint8Array));
    size += (c as Uint8Array).length;
  }
  return deframe(Buffer.concat(chunks));
}

/** Docker's multiplexed frames (8-byte header, then payload) → the payload text. */
export function deframe(buf: Buffer): string {
  const parts: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length && buf[off]! <= 2 && buf[off + 1] === 0) {
    const len = buf.readUInt32BE(off + 4);
    parts.push(buf.subarray(off + 8, off + 8 + len));
    off += 8 + len;
  }
  if (off < buf.length && parts.length === 0) return buf.toString("utf8"); // a TTY log has no frames
  return Buffer.concat(parts).toString("utf8");
}

/** Create or truncate, private to us; it must exist before Docker can bind-mount it. */
async function emptyFile(path: string): Promise<void> {
  const fh = await open(path, "w", 0o600);
  await fh.close();
}
