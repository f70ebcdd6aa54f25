// What the Docker engine layer runs: host-path binds and output files on this machine. The core
// never sees these; the runtime in index.ts turns its neutral ContainerSpec into them.
import type { ContainerExit } from "../../core/types.ts";
import type { ShipLimits, ShippedDir } from "./ship.ts";

export interface DockerRunOptions {
  image: string;
  cmd: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  user?: string;
  workdir?: string;
  binds: { host: string; container: string; readonly: boolean }[];
  network: string; // "none", "bridge" or a network name
  memoryBytes?: number;
  nanoCpus?: number;
  /** Most processes (and threads) the container may have: a fork bomb stops there. */
  pidsLimit?: number;
  /** Linux capabilities to drop (default ["ALL"]: agents need none). */
  capDrop?: string[];
  gpu?: boolean;
  labels: Record<string, string>;
  /** A file whose bytes become the container's stdin, then EOF; without it stdin is empty. */
  stdinFile?: string;
  stdoutFile: string;
  stderrFile: string;
  timeoutMs: number;
  name?: string;
  /** How output reaches the files: "files" (default) has the container write them itself through
   * bind mounts, so no output byte passes through the server; "stream" carries it over the
   * engine's attach connection. "files" falls back to "stream" where its /bin/sh wrapper cannot run. */
  capture?: "files" | "stream";
  /** On a remote engine (remote.ts): dirs copied in before start and back after exit, owned by
   * `owner` in the container; no bind then names a host path but a shared one. */
  ship?: { dirs: ShippedDir[]; owner: { uid: number; gid: number }; limits: ShipLimits };
}

/** The engine: containers, images and networks, with Docker's own options. */
export interface DockerEngine {
  endpoint: string;
  /** Throws DOCKER_UNAVAILABLE with a sentence naming the endpoint when the engine is unreachable. */
  ping(): Promise<void>;
  /** Create, start, stream stdout/stderr to files, wait, and always remove. Never throws for exit codes. */
  run(opts: DockerRunOptions, signal: AbortSignal): Promise<ContainerExit>;
  imageExists(tag: string): Promise<boolean>;
  /** The image's labels, or null when the image does not exist. */
  imageLabels(tag: string): Promise<Record<string, string> | null>;
  removeImage(tag: string): Promise<void>;
  buildImage(
    context: Uint8Array,
    tag: string,
    buildArgs: Record<string, string>,
    log: (line: string) => void,
  ): Promise<void>;
  removeByLabels(labels: Record<string, string>): Promise<number>;
  listOwned(): Promise<{ id: string; labels: Record<string, string> }[]>;
  remove(id: string): Promise<void>;
  /** A network's labels, or null when the engine has none of that name. */
  networkLabels(name: string): Promise<Record<string, string> | null>;
  /** The IPv4 gateway of a network (the host's address on it), or null when it has none. */
  networkGateway?(name: string): Promise<string | null>;
  /** Create a bridge network; one of that name created meanwhile by someone else is not an error. */
  createNetwork(
    name: string,
    labels: Record<string, string>,
    options: Record<string, string>,
  ): Promise<void>;
}
