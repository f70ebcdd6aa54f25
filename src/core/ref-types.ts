// What a ref is on disk and how it is read and stamped (core.refs). Re-exported by types.ts, which is
// what plugins import.
import type { AgentOutcome, AgentPaths, Ref } from "./agent-types.ts";
import type { Json } from "./types.ts";

/** The stamps guard reads, each written by the one plugin that declares its key. */
export type StampShapes = {
  validated: {
    type: string;
    verdict: string;
    score: number | null;
    issues: string[];
    validation_ref: string | null;
  };
  classification: {
    level: string;
    level_numeric: number;
    allowed_mcps: string[];
    denied_mcps: string[];
  };
  encryption: { key_id: string; algorithm: string };
  cost: { usd: number };
  retry: { attempt: number; max_attempts: number; prior_errors: string[] };
};
export interface Stamps extends Partial<StampShapes> {
  [key: string]: Json | undefined;
}
/** A known key takes its shape; any other key takes JSON. */
export type StampValue<K extends string> = K extends keyof StampShapes ? StampShapes[K] : Json;

export interface RefRecord extends Omit<Ref, "output_dir"> {
  created_at: string;
  text_file: string | null; // file in the agent dir holding the text
  container_id?: string | null;
  usage?: Json;
}

/** What `core.refs.read` reads of a ref: its text, structured output (JSON text), the container's
 * stream (stdout) and stderr, the artifacts log, the prompt and stdin, the listings of the workspace and of out/ (/output). */
export type RefPart =
  | "text"
  | "structured"
  | "stream"
  | "stderr"
  | "artifacts"
  | "prompt"
  | "stdin"
  | "workspace"
  | "out";

export interface RefReadOptions {
  /** Bytes to read at most (default 64 MB). */
  maxBytes?: number;
  /** `workspace`, `out` (listings): entries to list at most (default 200, 8 levels deep). */
  maxEntries?: number;
  /** The last maxBytes instead of the first (a stderr tail). */
  fromEnd?: boolean;
  /** For a report: an encrypted part reads as "(encrypted)" instead of failing. */
  display?: boolean;
  /** An encrypted part's stored bytes (base64 ciphertext): for the \`encryption\` stamp's owner. */
  sealed?: boolean;
}

export interface RefContent {
  text: string;
  /** The file's size in bytes (more than text when truncated); `workspace`: entries listed. */
  size: number;
  truncated: boolean;
  /** Why nothing was read: "missing", "a symbolic link", "not a regular file", "encrypted"… */
  skipped?: string;
}

export interface LineStats {
  bytes: number;
  /** Lines longer than maxLine, dropped unread. */
  longLines: number;
  /** Stopped at maxBytes. */
  truncated: boolean;
  skipped?: string;
}

export interface RefStore {
  readonly root: string;
  newRunId(): string;
  /** Accepts "<run>/<agent>", {ref}, or a JSON string of either; throws INVALID_INPUT otherwise. */
  parse(input: unknown): { run_id: string; agent_id: string };
  runDir(runId: string): string;
  paths(runId: string, agentId: string): AgentPaths;
  /** Create the agent dir (0700) and its subdirs; refuses an existing one unless `reuse`. */
  create(runId: string, agentId: string): Promise<AgentPaths>;
  /** Write result.json for a finished agent, hashing its text; returns the wire Ref. */
  finish(
    runId: string,
    agentId: string,
    outcome: AgentOutcome & {
      duration_seconds: number;
      parents?: string[];
      container_id?: string | null;
    },
  ): Promise<Ref>;
  /** Read a ref's record from disk; NOT_FOUND when it does not exist. */
  get(input: unknown): Promise<RefRecord>;
  /** The wire form of a stored ref (stamps included and verified). */
  wire(rec: RefRecord): Ref;
  /** The one read path for what an agent left (see RefPart): agent-written files are read without
   * following links, never from a FIFO or device, never past the limit; an encrypted ref's text,
   * structured output and stream fail with CONFLICT (naming decrypt), or read as "(encrypted)"
   * with `display`. Every part but text and structured can be read while the agent runs. */
  read(ref: unknown, part: RefPart, opts?: RefReadOptions): Promise<RefContent>;
  /** The lines of a part, read the same way; `opts.stats` says what was left out. */
  lines(
    ref: unknown,
    part: "stream" | "artifacts" | "stderr",
    opts?: { maxBytes?: number; maxLine?: number; display?: boolean; stats?: LineStats },
  ): AsyncGenerator<string>;
  /** The whole text, or TOO_LARGE past maxBytes (default 64 MB). */
  readText(input: unknown, maxBytes?: number): Promise<string>;
  /** Copy the text to the ref's output.md on disk, never through memory (unwrap). */
  copyOut(ref: unknown, maxBytes?: number): Promise<RefContent & { file: string }>;
  /** Write a report the server made (inspect.md) into the agent dir; returns its path. */
  writeReport(ref: unknown, part: "inspect" | "unwrapped", text: string): Promise<string>;
  /** Server-held, HMAC-signed stamps (validated, classification, encryption, cost…). */
  stamp<K extends string>(input: unknown, key: K, value: StampValue<K>): Promise<Ref>;
  stamps(input: unknown): Promise<Stamps>;
  /** Put \`sealed\` (ciphertext) in place of the text, remove every plaintext copy (the agent dir's
   * files, HOME, structured output, the prompts of refs derived from it) and stamp \`encryption\`;
   * CONFLICT when encrypted already, unless with this very stamp: then it only finishes removing
   * the copies (a seal cut short). For the \`encryption\` stamp's owner only. */
  seal(input: unknown, sealed: string, stamp: StampShapes["encryption"]): Promise<Ref>;
  /** Replace the text file atomically. */
  rewriteText(input: unknown, text: string | Uint8Array, fileName: string): Promise<RefRecord>;
}
