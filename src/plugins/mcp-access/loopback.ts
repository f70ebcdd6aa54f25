// A URL on the host's loopback (an MCP server's, or the ANTHROPIC_BASE_URL Claude Code passes
// its own proxy in) means the container itself from inside one: the CLI would retry for minutes
// and die with no output. Such a URL is pointed at the host's address on the agent's network when
// something answers there, and refused before the agent starts otherwise.
import { connect } from "node:net";
import type { Core, SpawnHooks } from "../../core/types.ts";

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|\[::ffff:127(?:\.\d{1,3}){3}\])$/i;

export function isLoopback(url: string): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Whether a TCP connection to host:port opens within `ms`. */
export function answers(host: string, port: number, ms = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(ms, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/** `url` as an agent on `network` reaches it: unchanged unless it is on the host's loopback. */
export async function hostUrl(
  core: Core,
  network: boolean | string,
  url: string,
  o: { cannot: string; allowed: boolean; allowHow: string },
): Promise<string> {
  if (!isLoopback(url)) return url;
  const u = new URL(url);
  if (!o.allowed) {
    core.fail(
      "FORBIDDEN",
      `${o.cannot}: ${u.origin} is this host's loopback, which a container cannot reach; ${o.allowHow}, or give a URL the container can reach`,
    );
  }
  const addr = await (await core.runtime()).hostAddress?.(network).catch((e) =>
    core.isToolError(e)
      ? Promise.reject(e)
      : core.fail("INVALID_INPUT", `${o.cannot}: ${e.message}`)
  );
  if (addr === "127.0.0.1") return url; // the host's own network
  if (!addr) {
    core.fail(
      "INVALID_INPUT",
      `${o.cannot}: ${u.origin} is this host's loopback and the agent's network ${
        JSON.stringify(network)
      } has no way to the host; use network true or a Docker network`,
    );
  }
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  if (!(await answers(addr, port))) {
    core.fail(
      "INVALID_INPUT",
      `${o.cannot}: ${u.origin} is this host's loopback, and nothing answers at ${addr}:${port}, the host's address on the agent's network (a server listening on 127.0.0.1 only is out of a container's reach); make it listen on ${addr} or 0.0.0.0, or give a URL the container can reach`,
    );
  }
  u.hostname = addr;
  // URL adds "/" to a path-less origin: give back what was written, with the host swapped.
  return u.href.endsWith("/") && !url.endsWith("/") ? u.href.slice(0, -1) : u.href;
}

/** The ANTHROPIC_BASE_URL the CLI gets (the caller's env_vars, else the server's), rewritten when
 * it is loopback: the check refuses one nothing answers for, prepare passes the rewritten URL. */
export function baseUrlHooks(core: Core): Required<Pick<SpawnHooks, "check" | "prepare">> {
  const rewrite = async (spec: { env_vars: Record<string, string>; network: boolean | string }) => {
    const url = spec.env_vars.ANTHROPIC_BASE_URL ?? core.config.env.ANTHROPIC_BASE_URL;
    if (!url || !isLoopback(url)) return undefined;
    return await hostUrl(core, spec.network, url, {
      cannot: "Cannot start the agent with ANTHROPIC_BASE_URL",
      allowed: true,
      allowHow: "",
    });
  };
  return {
    check: async (job) => void (await rewrite(job.spec)),
    async prepare(job) {
      const url = await rewrite(job.spec);
      return url === undefined ? undefined : { env: { ANTHROPIC_BASE_URL: url } };
    },
  };
}
