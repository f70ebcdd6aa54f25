// The HTTP side of the Docker runtime: endpoint parsing, a lazily loaded docker-modem, API version
// negotiation and the translation of transport failures into DOCKER_UNAVAILABLE. docker-modem is
// imported on first use so a server that never starts a container never pays for loading it.
import type { Duplex, Readable } from "node:stream";
import { ToolError } from "../errors.ts";

/** The API version this code was tested against; used whenever the engine supports it. */
const PREFERRED = "1.41";

export interface Endpoint {
  /** As shown to users: "unix:///var/run/docker.sock" or "tcp://host:port". */
  endpoint: string;
  modem: Record<string, unknown>;
}

/** DOCKER_HOST → docker-modem options. Every option is explicit so docker-modem's own env reading never wins. */
export function parseDockerHost(host: string | undefined): Endpoint {
  const h = (host ?? "").trim();
  const blank = { host: undefined, port: undefined, protocol: "http", version: undefined, timeout: undefined, ca: undefined, cert: undefined, key: undefined };
  if (h === "" || h.startsWith("unix://") || h.startsWith("/")) {
    const path = h === "" ? "/var/run/docker.sock" : h.startsWith("/") ? h : h.slice("unix://".length) || "/var/run/docker.sock";
    return { endpoint: `unix://${path}`, modem: { ...blank, socketPath: path } };
  }
  const m = /^(?:tcp|http):\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(h);
  if (!m) {
    throw new ToolError("DOCKER_UNAVAILABLE", `Cannot reach the Docker engine at ${h}: only unix:///path and tcp://host:port endpoints are supported; is dockerd running? Start it or set DOCKER_HOST`);
  }
  return { endpoint: `tcp://${m[1]}:${m[2]}`, modem: { ...blank, socketPath: undefined, host: m[1]!.replace(/^\[|\]$/g, ""), port: m[2] } };
}

export interface Request {
  method: "GET" | "POST" | "DELETE";
  /** Path without the version prefix, e.g. "/containers/create". */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Raw request body (a build context). */
  file?: Uint8Array;
  ok: number[];
  stream?: boolean;
  hijack?: boolean;
  signal?: AbortSignal;
}

export interface ApiError extends Error {
  statusCode?: number;
  json?: { message?: string } | unknown;
}

export interface DockerApi {
  endpoint: string;
  call<T = unknown>(req: Request): Promise<T>;
  stream(req: Request): Promise<Readable>;
  hijack(req: Request): Promise<Duplex>;
  /** Negotiate the API version (GET /version); throws DOCKER_UNAVAILABLE. */
  version(): Promise<string>;
}

type Dial = (opts: Record<string, unknown>, cb: (err: ApiError | null, data: unknown) => void) => void;

export function createDockerApi(host: string | undefined): DockerApi {
  const ep = parseDockerHost(host);
  let dialer: Promise<Dial> | undefined;
  let negotiated: Promise<string> | undefined;

  const getDial = (): Promise<Dial> =>
    (dialer ??= import("docker-modem").then((mod) => {
      const Modem = ((mod as { default?: unknown }).default ?? mod) as new (o: unknown) => { dial: Dial };
      const modem = new Modem(ep.modem);
      return modem.dial.bind(modem) as Dial;
    }));

  const unavailable = (e: unknown): ToolError => {
    const err = e as { code?: string; name?: string; message?: string };
    const reason = err.code === "ENOENT" ? "no such socket"
      : err.code === "ECONNREFUSED" ? "connection refused"
      : err.code === "EACCES" || err.code === "EPERM" ? "permission denied on the socket (join the docker group or fix its permissions)"
      : err.code === "ABORT_ERR" || err.code === "ETIMEDOUT" || err.name === "AbortError" || err.name === "TimeoutError" ? "no answer within 5 s"
      : (err.message ?? String(e));
    return new ToolError("DOCKER_UNAVAILABLE", `Cannot reach the Docker engine at ${ep.endpoint}: ${reason}; is dockerd running? Start it or set DOCKER_HOST`);
  };

  const raw = async (req: Request, prefix: string): Promise<unknown> => {
    const dial = await getDial();
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const q = qs.toString();
    // docker-modem quirks: with a "?" in the path it appends the querystring of `options` when that
    // has keys (so `_query: {}` appends nothing), and otherwise chops the path's last character
    // (so a trailing "&" is added for it to chop). Without the "&", "stderr=1" became "stderr=".
    const path = `${prefix}${req.path}${q ? `?${q}${req.body === undefined ? "&" : ""}` : ""}`;
    const statusCodes: Record<number, boolean> = {};
    for (const c of req.ok) statusCodes[c] = true;
    const opts: Record<string, unknown> = { path, method: req.method, statusCodes, isStream: !!(req.stream || req.hijack), hijack: !!req.hijack };
    if (req.body !== undefined) opts.options = { _query: {}, _body: req.body };
    if (req.file) {
      opts.file = Buffer.from(req.file.buffer, req.file.byteOffset, req.file.byteLength);
      opts.headers = { "Content-Type": "application/x-tar" };
    }
    if (req.signal) opts.abortSignal = req.signal;
    return await new Promise((resolve, reject) => {
      dial(opts, (err, data) => {
        if (!err) return resolve(data);
        // An HTTP status means the engine answered; anything else is a transport failure.
        reject(err.statusCode === undefined ? unavailable(err) : err);
      });
    });
  };

  const version = (): Promise<string> => {
    if (!negotiated) {
      const p = (async () => {
        const v = (await raw({ method: "GET", path: "/version", ok: [200], signal: AbortSignal.timeout(5000) }, "")) as { ApiVersion?: string; MinAPIVersion?: string };
        return pickVersion(v.ApiVersion, v.MinAPIVersion);
      })();
      // A failed negotiation is retried next time (dockerd may have been started since).
      p.catch(() => {
        if (negotiated === p) negotiated = undefined;
      });
      negotiated = p;
    }
    return negotiated;
  };

  return {
    endpoint: ep.endpoint,
    version,
    call: async <T>(req: Request) => (await raw(req, `/v${await version()}`)) as T,
    stream: async (req) => (await raw({ ...req, stream: true }, `/v${await version()}`)) as Readable,
    hijack: async (req) => (await raw({ ...req, hijack: true }, `/v${await version()}`)) as Duplex,
  };
}

/** Use 1.41 when the engine supports it; otherwise the nearest version the engine accepts. */
export function pickVersion(max: string | undefined, min: string | undefined): string {
  const num = (v: string) => v.split(".").map(Number) as [number, number];
  const cmp = (a: string, b: string) => {
    const [a1, a2] = num(a), [b1, b2] = num(b);
    return a1 - b1 || a2 - b2;
  };
  if (!max || !/^\d+\.\d+$/.test(max)) return PREFERRED;
  if (cmp(max, PREFERRED) < 0) return max;
  if (min && /^\d+\.\d+$/.test(min) && cmp(min, PREFERRED) > 0) return min;
  return PREFERRED;
}

/** The engine's own sentence from an error response, for messages. */
export function apiMessage(e: unknown): string {
  const err = e as ApiError;
  const m = (err.json as { message?: string } | undefined)?.message;
  return (typeof m === "string" && m) || err.message || String(e);
}

export function status(e: unknown): number | undefined {
  return (e as ApiError | null)?.statusCode;
}
