// DOCKER_HOST=ssh://[user@]host[:port], as the docker CLI does it: every connection is an `ssh`
// process running `docker system dial-stdio` on the remote machine, whose stdin and stdout carry
// the Engine API. Authentication is ssh's own (keys, agent, ~/.ssh/config); BatchMode keeps a
// password prompt from hanging the server. Such an engine never shares this machine's files.
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";
import { runtimeError } from "./runtime-error.ts";

/** The connection factory node:http uses for an ssh:// endpoint, or undefined for another scheme. */
export function sshConnection(h: string): (() => Duplex) | undefined {
  if (!h.startsWith("ssh://")) return undefined;
  const m = /^ssh:\/\/(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d+))?\/?$/
    .exec(h);
  if (!m || m[2]!.startsWith("-")) {
    throw runtimeError(
      "unavailable",
      `Cannot reach the Docker engine at ${
        JSON.stringify(h.slice(0, 200))
      }: an ssh endpoint is ssh://[user@]host[:port]; fix DOCKER_HOST`,
    );
  }
  const args = [
    ...["-o", "BatchMode=yes"],
    ...(m[1] ? ["-l", m[1]] : []),
    ...(m[3] ? ["-p", m[3]] : []),
    "--",
    m[2]!.replace(/^\[|\]$/g, ""),
    ...["docker", "system", "dial-stdio"],
  ];
  return () => {
    const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "ignore"] });
    // By hand rather than Duplex.from: that one could close the connection with the engine's last
    // bytes still unread, and node:http then fails the finished response ("aborted") where no
    // listener can catch it. Here EOF comes only after every byte was handed on.
    const conn = new Duplex({
      read: () => void child.stdout.resume(),
      write: (chunk, enc, done) => void child.stdin.write(chunk, enc, done),
      final: (done) => void child.stdin.end(done),
      destroy: (e, done) => (child.kill(), done(e)),
    });
    child.stdout.on("data", (d) => conn.push(d) || child.stdout.pause());
    child.stdout.on("end", () => conn.push(null));
    child.stdin.on("error", (e) => conn.destroy(e));
    child.on("error", (e) => conn.destroy(e)); // no ssh here: the request fails, the server lives
    return conn;
  };
}
