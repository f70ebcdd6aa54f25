// Output and files of an agent on a remote engine (remote.ts): output over the attach stream
// (capture-stream.ts), the agent's dirs through the archive endpoint (ship.ts) with as few calls
// as the agent allows. Each archive call makes the engine mount the container's filesystem, as
// long as the whole life of a no-op container, so: a dir goes in only when it holds something
// (or the image lacks it as a dir this user may use, learnt once per image, user and path); a
// writable dir that went in with content always comes back; one that did not comes back only when
// the wrapper's exit report (ship-report.ts) says it holds something, or when there is no report.
import { randomBytes } from "node:crypto";
import { open, opendir } from "node:fs/promises";
import type { Logger } from "../../core/types.ts";
import { type Capture, commandLine, wrapperFailed } from "./capture.ts";
import { streamCapture } from "./capture-stream.ts";
import type { DockerApi } from "./docker-api.ts";
import { readReports, reportScript, reportStripper } from "./ship-report.ts";
import { shipIn, shipOut } from "./ship.ts";
import type { DockerRunOptions } from "./types.ts";

export interface ShipMemory {
  /** image + user pairs where no /bin/sh wrapper can run: every dir goes in and comes back. */
  streamOnly: Set<string>;
  /** image + user + path: the image lacks that dir (or this user may not use it): copied in. */
  shipNeeds: Set<string>;
}

export async function shipCapture(
  api: DockerApi,
  log: Logger,
  o: DockerRunOptions & { ship: NonNullable<DockerRunOptions["ship"]> },
  memory: ShipMemory,
  onBroken: () => void,
): Promise<Capture> {
  const { dirs, owner, limits } = o.ship;
  const who = `${o.image}\0${o.user ?? ""}`;
  const plain = memory.streamOnly.has(who);
  // Went in with content (always copied back), or must go in even empty: the image lacks it.
  const full = await Promise.all(dirs.map((d) => plain || !d.writable || holdsSomething(d.host)));
  const copied = dirs.map((d) => memory.shipNeeds.has(`${who}\0${d.container}`));
  const put = dirs.filter((_, i) => copied[i] || full[i]);
  const check = dirs.filter((_, i) => !copied[i] && !full[i]);
  // Writable dirs that hold nothing yet: copied back only when the report says they hold something.
  const watched = dirs.filter((d, i) => d.writable && !full[i] && !plain);
  const nonce = randomBytes(16).toString("hex");
  const strip = watched.length ? reportStripper(nonce) : undefined;
  const stream = await streamCapture(api, log, o, onBroken, strip);
  const script = reportScript(
    nonce,
    check.map((d) => d.container),
    watched.map((d) => d.container),
  );
  const wrapper = strip
    ? { Entrypoint: ["/bin/sh", "-c", script, "swarm-ship"], Cmd: await commandLine(api, o) }
    : {};
  let sent: string[] = [];
  return {
    config: { ...stream.config, ...wrapper },
    binds: [],
    async beforeStart(id) {
      // The copy in and the attach are independent: one wait, not two.
      [sent = []] = await Promise.all([
        put.length ? shipIn(api, id, put, owner, limits) : undefined,
        stream.beforeStart(id),
      ]);
    },
    async afterExit(id, exitCode, hurry) {
      await stream.afterExit(id, exitCode, hurry);
      const said = strip ? readReports(strip.reports, check.length, watched.length) : {};
      if (strip && !said.holds && !hurry) {
        if (said.missing && exitCode === 125) {
          check.forEach((d, i) =>
            said.missing![i] && memory.shipNeeds.add(`${who}\0${d.container}`)
          );
          return "rerun";
        }
        if (exitCode !== 0 && wrapperFailed(await head(o.stderrFile))) return "wrapper-failed";
      }
      if (exitCode === -1) return; // the container vanished: nothing to copy
      // In doubt (no report: killed, or the agent broke its wrapper), every writable dir.
      const back = dirs.filter((d) => d.writable && said.holds?.[watched.indexOf(d)] !== false);
      await shipOut(api, id, back, limits, sent);
    },
    close: () => stream.close(),
  };
}

/** Whether a host dir has an entry (read one, not the whole listing). */
async function holdsSomething(dir: string): Promise<boolean> {
  const d = await opendir(dir);
  try {
    return (await d.read()) !== null;
  } finally {
    await d.close().catch(() => {});
  }
}

/** The start of a file: enough to recognise the wrapper's own failure. */
async function head(path: string): Promise<string> {
  const fh = await open(path, "r").catch(() => null);
  if (!fh) return "";
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}
