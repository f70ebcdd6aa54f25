// The HTTP side of the Docker runtime: endpoint parsing, requests over node:http, API version
// negotiation, and the translation of transport failures into DOCKER_UNAVAILABLE. Requests are
// made here rather than through docker-modem: it followed redirects from the engine (a redirect to
// a cleaned path threw "Invalid URL" outside any promise and killed the server) and had no
// per-call deadline, so an engine that stopped answering wedged whatever waited on it.
import { type ClientRequest, type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Duplex, Readable } from "node:stream";
import { isRuntimeError, runtimeError } from "./runtime-error.ts";
import { checkImageRef } from "./image-ref.ts";
import { sshConnection } from "./ssh.ts";

/** The API version this code was tested against; used whenever the engine supports it. */
const PREFERRED = "1.41";
/** How long a plain call (not /wait, not a stream's body) may take; SWARM_DOCKER_TIMEOUT seconds. */
export const CALL_TIMEOUT_MS = seconds(process.env.SWARM_DOCKER_TIMEOUT, 30) * 1000;
/** A kill or a removal that cannot reach the engine gives up after this. */
export const GIVE_UP_MS = Math.min(5000, CALL_TIMEOUT_MS);
/** How long a running agent outlives an unreachable engine before its ref fails; SWARM_DOCKER_LOST_TIMEOUT seconds. */
export const ENGINE_LOST_MS = seconds(process.env.SWARM_DOCKER_LOST_TIMEOUT, 30) * 1000;
/** Bodies the server reads whole (JSON answers, error sentences) are cut off beyond this. */
const BODY_MAX = 64 << 20;

export interface Endpoint {
  /** As shown to users: "unix:///var/run/docker.sock" or "tcp://host:port". */
  endpoint: string;
  /** Where node:http connects (the name is from the docker-modem days; mounts.ts reads socketPath). */
  modem: { socketPath?: string; host?: string; port?: number; createConnection?: () => Duplex };
}

/** DOCKER_HOST → where to connect. */
export function parseDockerHost(host: string | undefined): Endpoint {
  const h = (host ?? "").trim();
  if (h === "" || h.startsWith("unix://") || h.startsWith("/")) {
    const path = h === ""
      ? "/var/run/docker.sock"
      : h.startsWith("/")
      ? h
      : h.slice("unix://".length) || "/var/run/docker.sock";
    return { endpoint: `unix://${path}`, modem: { socketPath: path } };
  }
  const ssh = sshConnection(h);
  if (ssh) return { endpoint: h, modem: { host: "docker", createConnection: ssh } };
  const m = /^(?:tcp|http):\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(h);
  if (!m) {
    throw runtimeError(
      "unavailable",
      `Cannot reach the Docker engine at ${h}: only unix:///path, tcp://host:port and ssh://[user@]host endpoints are supported; is dockerd running? Start it or set DOCKER_HOST`,
    );
  }
  return {
    endpoint: `tcp://${m[1]}:${m[2]}`,
    modem: { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) },
  };
}

export interface Request {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path without the version prefix, e.g. "/containers/create"; names in it go through containerPath/imagePath. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Raw request body (a build context), or one streamed (a tar to the archive endpoint). */
  file?: Uint8Array | Readable;
  ok: number[];
  stream?: boolean;
  hijack?: boolean;
  signal?: AbortSignal;
  /** Give up after this long without the answer (for a stream: its headers); 0: never (the /wait long poll). */
  timeoutMs?: number;
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
  /** A transport failure (a dropped connection, a timeout) as DOCKER_UNAVAILABLE. */
  unavailable(e: unknown): Error;
}

/** "/containers/<id><rest>", the id encoded: ids come from the engine or from callers. */
export const containerPath = (id: string, rest = "") =>
  `/containers/${encodeURIComponent(id)}${rest}`;
/** "/images/<name><rest>" for a checked image reference, each "/"-separated segment encoded. */
export const imagePath = (name: string, rest = "") =>
  `/images/${checkImageRef(name).split("/").map(encodeURIComponent).join("/")}${rest}`;

/** The client side of an engine's TLS (remote.ts reads it from DOCKER_CERT_PATH). */
export interface EngineTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function createDockerApi(
  host: string | undefined,
  opts: { timeoutMs?: number; tls?: EngineTls } = {},
): DockerApi {
  const ep = parseDockerHost(host);
  const request = opts.tls ? httpsRequest : httpRequest;
  const callTimeout = opts.timeoutMs ?? CALL_TIMEOUT_MS;
  let negotiated: Promise<string> | undefined;

  const unavailable = (e: unknown): Error => {
    if (isRuntimeError(e)) return e;
    const err = e as { code?: string; message?: string };
    const reason = err.code === "ENOENT"
      ? "no such socket"
      : err.code === "ECONNREFUSED"
      ? "connection refused"
      : err.code === "EACCES" || err.code === "EPERM"
      ? "permission denied on the socket (join the docker group or fix its permissions)"
      : err.code === "ECONNRESET" || err.message === "aborted" || err.message === "socket hang up"
      ? "the connection was dropped"
      : (err.message ?? String(e));
    return runtimeError(
      "unavailable",
      `Cannot reach the Docker engine at ${ep.endpoint}: ${reason}; is dockerd running? Start it or set DOCKER_HOST`,
    );
  };

  const raw = (req: Request, prefix: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query ?? {})) {
        if (v !== undefined) qs.set(k, String(v));
      }
      const q = qs.toString();
      const upload = req.file && !(req.file instanceof Uint8Array) ? req.file : undefined;
      const body = req.file instanceof Uint8Array
        ? Buffer.from(req.file.buffer, req.file.byteOffset, req.file.byteLength)
        : req.body !== undefined
        ? Buffer.from(JSON.stringify(req.body))
        : undefined;
      const headers: Record<string, string | number> = {};
      if (body) {
        Object.assign(headers, {
          "Content-Type": req.file ? "application/x-tar" : "application/json",
          "Content-Length": body.length,
        });
      }
      if (upload) headers["Content-Type"] = "application/x-tar"; // sent chunked
      if (req.hijack) Object.assign(headers, { Connection: "Upgrade", Upgrade: "tcp" });
      const streaming = !!(req.stream || req.hijack);
      const r: ClientRequest = request({
        ...ep.modem,
        ...opts.tls,
        path: `${prefix}${req.path}${q ? `?${q}` : ""}`,
        method: req.method,
        headers,
        signal: req.signal,
      });
      let settled = false;
      const timeout = req.timeoutMs ?? callTimeout;
      const timer = timeout > 0
        ? setTimeout(() =>
          r.destroy(
            Object.assign(new Error(`no answer within ${Math.round(timeout / 100) / 10} s`), {
              code: "ETIMEDOUT",
            }),
          ), timeout)
        : undefined;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      // A caller's abort is its own error; anything else without an HTTP status is the transport.
      const failed = (e: unknown) =>
        settle(() => reject(req.signal?.aborted ? req.signal.reason : unavailable(e)));
      r.on("error", failed);
      if (ep.modem.host) r.on("socket", (s) => s.setKeepAlive?.(true, 10_000)); // a silent peer on TCP is noticed
      r.on("upgrade", (_res, sock, head) =>
        settle(() => {
          if (head.length) sock.unshift(head);
          resolve(sock);
        }));
      r.on("response", (res: IncomingMessage) => {
        const code = res.statusCode ?? 0;
        if (req.ok.includes(code) && streaming) return settle(() => resolve(res));
        if (code >= 300 && code < 400 && !req.ok.includes(code)) {
          res.destroy();
          const to = JSON.stringify(String(res.headers.location ?? "").slice(0, 100));
          return settle(() =>
            reject(
              runtimeError(
                "unavailable",
                `Cannot use the Docker engine at ${ep.endpoint}: it answered ${req.method} ${
                  req.path.slice(0, 100)
                } with a redirect (HTTP ${code} to ${to}), which is never followed; check that DOCKER_HOST names a Docker engine`,
              ),
            )
          );
        }
        readBody(res, req.ok.includes(code) ? BODY_MAX : 65536).then((text) =>
          settle(() => {
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = text;
            }
            if (req.ok.includes(code)) return resolve(json);
            const message = (json as { message?: unknown } | undefined)?.message;
            reject(
              Object.assign(
                new Error(`(HTTP code ${code}) ${typeof message === "string" ? message : text}`),
                { statusCode: code, json },
              ),
            );
          }), failed);
      });
      if (upload) upload.on("error", (e) => r.destroy(e)).pipe(r);
      else r.end(body);
    });

  const version = (): Promise<string> => {
    if (!negotiated) {
      const p = (async () => {
        const v = (await raw({
          method: "GET",
          path: "/version",
          ok: [200],
          timeoutMs: Math.min(5000, callTimeout),
        }, "").catch((e) => {
          // Something answers, but not as an engine would (plain HTTP to a TLS port says so).
          if (status(e) === undefined) throw e;
          throw unavailable(new Error(`it answered ${apiMessage(e).trim().slice(0, 200)}`));
        })) as { ApiVersion?: string; MinAPIVersion?: string };
        return pickVersion(v?.ApiVersion, v?.MinAPIVersion);
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
    unavailable,
    call: async <T>(req: Request) => (await raw(req, `/v${await version()}`)) as T,
    stream: async (req) =>
      (await raw({ ...req, stream: true }, `/v${await version()}`)) as Readable,
    hijack: async (req) => (await raw({ ...req, hijack: true }, `/v${await version()}`)) as Duplex,
  };
}

/** A response body as text, at most `max` bytes of it (the rest is read and dropped). */
async function readBody(res: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    if (size < max) chunks.push((c as Buffer).subarray(0, max - size));
    size += (c as Buffer).length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
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
