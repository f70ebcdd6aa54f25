// A real headless Chromium (Debian's `chromium`) driven by playwright-core, in a network namespace
// of its own: Chromium aborts requests with ERR_NETWORK_CHANGED whenever Docker adds or removes an
// interface (every container start), and a fresh namespace has only its loopback. The server's
// port is relayed in through a Unix socket, which namespaces do not separate: inside, a node relay
// listens on 127.0.0.1:<the server's port>; outside, this process pipes the socket to the server.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium } from "playwright-core";
import { uniqueName } from "./docker-env.ts";
import { within } from "./wait.ts";

const run = promisify(execFile);
export const CHROMIUM = "/usr/bin/chromium";
export const browserSkip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : process.getuid?.() !== 0
  ? "a network namespace for the browser needs root (ip netns)"
  : false;

export interface WebBrowser {
  browser: Browser;
  /** What the browser calls the server: http://127.0.0.1:<port>. */
  origin: string;
  close(): Promise<void>;
}

// Arguments: the socket, then each port to listen on; ready once all listen.
const RELAY = `const net = require("node:net");
const [sock, ...ports] = process.argv.slice(1);
let waiting = ports.length;
for (const port of ports) {
  net.createServer((c) => {
    const up = net.connect(sock + "." + port);
    c.pipe(up).pipe(c);
    c.on("error", () => up.destroy());
    up.on("error", () => c.destroy());
  }).listen(Number(port), "127.0.0.1", () => --waiting || console.log("ready"));
}`;

const pipe = (a: Socket, b: Socket) => {
  a.pipe(b).pipe(a);
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
};

/** `port` and any `more` ports of this host's 127.0.0.1 are relayed in (other test servers). */
export async function startBrowser(port: number, ...more: number[]): Promise<WebBrowser> {
  const ns = uniqueName("swarm-test-web");
  const dir = await mkdtemp(join(tmpdir(), "swarm-web-"));
  const sock = join(dir, "relay.sock");
  let relay: ChildProcess | undefined;
  const outside: Server[] = [];
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => {});
    relay?.kill("SIGKILL");
    for (const s of outside) s.close();
    await run("ip", ["netns", "del", ns]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run("ip", ["netns", "add", ns]);
    await run("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    for (const p of [port, ...more]) {
      const s = createServer((c) => pipe(c, createConnection(p, "127.0.0.1")));
      outside.push(s);
      await new Promise<void>((r) => s.listen(`${sock}.${p}`, r));
    }
    const ports = [port, ...more].map(String);
    relay = spawn("ip", ["netns", "exec", ns, "node", "-e", RELAY, sock, ...ports], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await within(
      new Promise((r) => relay!.stdout!.once("data", r)),
      10_000,
      "the relay in the browser's network namespace to listen",
    );
    const wrapper = join(dir, "chromium");
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
    await chmod(wrapper, 0o755);
    browser = await chromium.launch({
      executablePath: wrapper,
      headless: true,
      timeout: 30_000,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    return { browser, origin: `http://127.0.0.1:${port}`, close };
  } catch (e) {
    await close();
    throw e;
  }
}
