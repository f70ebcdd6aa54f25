// A ContainerRuntime that starts no containers. The prompt (the container's stdin for both drivers)
// may carry a directive that says how the fake agent behaves:
//
//   [[fake sleep=500 exit=0 cost=0.1 text="hello" fail="boom" failfirst=2 hang stderr="warn"]]
//
// sleep     ms before the agent finishes (default 0)
// hang      never finish on its own: only the abort signal or the timeout ends it
// text      the output text (default "echo: <first line of the prompt>")
// cost      total_cost_usd reported by the claude transcript (default 0.01)
// fail      the agent fails with this message (claude: an error result; command: stderr + exit 1)
// failfirst fail the first N agents of a run that carry this same directive, then succeed
// exit      the exit code (default 0, or 1 when failing)
// stderr    text written to the stderr file
// json      claude: the result's structured_output (JSON text, e.g. json="{\"a\":1}")
// model     claude: the model the transcript names (default claude-sonnet-fake)
// turn      claude: the cost comes in turns of this much; like the CLI, the agent stops with
//           "Reached maximum budget ($X)" after the first turn that brings it to --max-budget-usd
//
// Every call is recorded so tests can assert how many started, the concurrency seen, and which
// were cancelled and when.
import { readFile, writeFile } from "node:fs/promises";
import { ToolError } from "../../src/core/errors.ts";
import type {
  ContainerAsk,
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
} from "../../src/core/types.ts";
import { type DockerPolicy, dockerTranslation } from "../../src/plugins/docker/containers.ts";
import type { DockerRunOptions as ContainerRunOptions } from "../../src/plugins/docker/types.ts";

export interface Directive {
  sleep: number;
  hang: boolean;
  text?: string;
  cost: number;
  fail?: string;
  failfirst: number;
  exit?: number;
  stderr?: string;
  json?: string;
  turn?: number;
  model?: string;
  raw: string;
}

export interface FakeCall {
  id: string;
  run: string;
  agent: string;
  driver: "claude" | "command";
  stdin: string;
  opts: ContainerRunOptions;
  directive: Directive;
  startedAt: number;
  endedAt?: number;
  exit?: ContainerExit;
}

const DIRECTIVE = /\[\[fake((?:\s+[a-z_]+(?:=(?:"(?:[^"\\]|\\.)*"|[^\s\]]+))?)*)\s*\]\]/;
const PAIR = /([a-z_]+)(?:=("(?:[^"\\]|\\.)*"|[^\s\]]+))?/g;

/** Parse the first `[[fake …]]` directive in a prompt; defaults when there is none. */
export function parseDirective(prompt: string): Directive {
  const d: Directive = { sleep: 0, hang: false, cost: 0.01, failfirst: 0, raw: "" };
  const m = DIRECTIVE.exec(prompt);
  if (!m) return d;
  d.raw = m[0];
  for (const [, key, rawValue] of m[1]!.matchAll(PAIR)) {
    const value = rawValue === undefined
      ? ""
      : rawValue.startsWith('"')
      ? JSON.parse(rawValue) as string
      : rawValue;
    switch (key) {
      case "sleep":
        d.sleep = Number(value);
        break;
      case "hang":
        d.hang = true;
        break;
      case "text":
        d.text = value;
        break;
      case "cost":
        d.cost = Number(value);
        break;
      case "fail":
        d.fail = value || "fake failure";
        break;
      case "failfirst":
        d.failfirst = Number(value);
        break;
      case "exit":
        d.exit = Number(value);
        break;
      case "stderr":
        d.stderr = value;
        break;
      case "json":
        d.json = value;
        break;
      case "turn":
        d.turn = Number(value);
        break;
      case "model":
        d.model = value;
        break;
      default:
        throw new Error(`unknown fake directive key "${key}" in ${m[0]}`);
    }
  }
  return d;
}

/** What an agent with `turn=` spends under the CLI's `--max-budget-usd` check after each turn. */
function spendTurns(d: Directive, cmd: string[]): { cost: number; error?: string } {
  const at = cmd.indexOf("--max-budget-usd");
  if (!d.turn || at < 0) return { cost: d.cost };
  const cap = Number(cmd[at + 1]);
  const turns = Math.ceil(d.cost / d.turn - 1e-9);
  const capTurns = Math.max(1, Math.ceil(cap / d.turn - 1e-9)); // the turn whose total reaches cap
  if (capTurns > turns) return { cost: d.cost };
  return {
    cost: Math.min(d.cost, Math.round(capTurns * d.turn * 1e9) / 1e9),
    error: `Reached maximum budget ($${cap})`,
  };
}

/** The default output: the prompt's first line without the directive, so tests can tell agents apart. */
function echo(prompt: string): string {
  const line = prompt.replace(DIRECTIVE, "").trim().split("\n")[0] ?? "";
  return `echo: ${line.slice(0, 200)}`;
}

/** A Claude Code `--output-format stream-json --verbose` transcript for one turn. */
export function claudeTranscript(
  o: {
    text: string;
    cost: number;
    isError: boolean;
    model?: string;
    sessionId: string;
    structured?: unknown;
  },
): string {
  const init = {
    type: "system",
    subtype: "init",
    session_id: o.sessionId,
    model: o.model ?? "claude-sonnet-fake",
    tools: ["Read", "Write"],
    mcp_servers: [],
    cwd: "/workspace",
    permissionMode: "bypassPermissions",
  };
  const assistant = {
    type: "assistant",
    session_id: o.sessionId,
    message: {
      id: "msg_fake",
      type: "message",
      role: "assistant",
      model: o.model ?? "claude-sonnet-fake",
      content: [{ type: "text", text: o.text }],
      stop_reason: "end_turn",
      usage: { input_tokens: 10, output_tokens: 5 },
    },
  };
  const result = {
    type: "result",
    subtype: o.isError ? "error_during_execution" : "success",
    is_error: o.isError,
    duration_ms: 5,
    duration_api_ms: 4,
    num_turns: 1,
    result: o.text,
    ...(o.structured !== undefined ? { structured_output: o.structured } : {}),
    session_id: o.sessionId,
    total_cost_usd: o.cost,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
  };
  return [init, assistant, result].map((x) => JSON.stringify(x)).join("\n") + "\n";
}

export interface FakeRuntimeOptions {
  /** Make ping/run fail as if the Docker engine were down. */
  unavailable?: boolean;
}

export class FakeRuntime implements ContainerRuntime {
  readonly endpoint = "fake://";
  readonly calls: FakeCall[] = [];
  running = 0;
  maxConcurrent = 0;
  private seq = 0;
  private readonly counters = new Map<string, number>();
  private readonly kills = new Map<string, () => void>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: FakeRuntimeOptions = {}) {}

  get started(): number {
    return this.calls.length;
  }

  cancelled(): FakeCall[] {
    return this.calls.filter((c) => c.exit?.cancelled);
  }

  /** Resolve when `pred` holds (checked after every start and finish), or reject after `ms`. */
  until(pred: (rt: FakeRuntime) => boolean, ms = 5000): Promise<void> {
    if (pred(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(
        () => (cleanup(),
          reject(
            new Error(
              `fake runtime: condition not met within ${ms} ms (${this.started} started, ${this.running} running)`,
            ),
          )),
        ms,
      );
      const cleanup = () => (clearTimeout(timer), this.listeners.delete(check));
      this.listeners.add(check);
    });
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  ping(): Promise<void> {
    if (this.options.unavailable) {
      return Promise.reject(
        new ToolError(
          "DOCKER_UNAVAILABLE",
          "Cannot reach the Docker engine at fake://: the fake runtime is set to unavailable; start Docker",
        ),
      );
    }
    return Promise.resolve();
  }

  /** Judged as the Docker runtime judges (mounts, networks of this fake engine, limits); the
   * harness sets the data dir and environment. Calls record the Docker options a spec became. */
  policy: DockerPolicy = { env: {}, dataDir: "/nonexistent", allowMounts: [] };
  private docker = () => dockerTranslation(this, this.policy);

  check(ask: ContainerAsk): Promise<void> {
    return this.docker().check(ask);
  }

  async run(spec: ContainerSpec, signal: AbortSignal): Promise<ContainerExit> {
    await this.ping();
    const opts = await this.docker().options(spec);
    const id = `fake${(++this.seq).toString(16).padStart(8, "0")}`;
    const stdin = opts.stdinFile !== undefined ? await readFile(opts.stdinFile, "utf8") : "";
    const directive = parseDirective(stdin);
    const call: FakeCall = {
      id,
      run: opts.labels["swarm-mcp.run"] ?? "",
      agent: opts.labels["swarm-mcp.agent"] ?? "",
      driver: opts.cmd.includes("--output-format") ? "claude" : "command",
      stdin,
      opts,
      directive,
      startedAt: Date.now(),
    };
    this.calls.push(call);
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    this.changed();
    const t0 = performance.now();
    const finish = (exitCode: number, timedOut: boolean, cancelled: boolean): ContainerExit => {
      const exit = {
        exitCode,
        timedOut,
        cancelled,
        containerId: id,
        durationMs: Math.round(performance.now() - t0),
      };
      call.exit = exit;
      call.endedAt = Date.now();
      this.running--;
      this.kills.delete(id);
      this.changed();
      return exit;
    };

    // Sleep until the directive's time passes, the deadline hits, or someone kills the container.
    const ending = await new Promise<"done" | "timeout" | "cancel">((resolve) => {
      if (signal.aborted) return resolve("cancel");
      const timers: ReturnType<typeof setTimeout>[] = [];
      const end = (why: "done" | "timeout" | "cancel") => {
        for (const t of timers) clearTimeout(t);
        signal.removeEventListener("abort", onAbort);
        resolve(why);
      };
      const onAbort = () => end("cancel");
      signal.addEventListener("abort", onAbort, { once: true });
      this.kills.set(id, onAbort);
      if (opts.timeoutMs > 0 && (directive.hang || directive.sleep >= opts.timeoutMs)) {
        timers.push(setTimeout(() => end("timeout"), opts.timeoutMs));
      } else if (!directive.hang) timers.push(setTimeout(() => end("done"), directive.sleep));
    });
    if (ending !== "done") {
      // A killed agent leaves a partial transcript behind, as a real one would.
      if (call.driver === "claude") {
        await writeFile(
          opts.stdoutFile,
          claudeTranscript({ text: "partial", cost: 0, isError: false, sessionId: id }).split(
            "\n",
          )[0] + "\n",
        );
      } else await writeFile(opts.stdoutFile, "partial");
      await writeFile(opts.stderrFile, "");
      return finish(137, ending === "timeout", ending === "cancel");
    }

    const key = `${call.run}\n${directive.raw}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    const spent = spendTurns(directive, opts.cmd);
    const failMessage = directive.fail ??
      (n <= directive.failfirst ? `fake failure ${n} of ${directive.failfirst}` : undefined) ??
      spent.error;
    const text = failMessage ?? directive.text ?? echo(stdin);
    const exitCode = directive.exit ?? (failMessage ? 1 : 0);
    if (call.driver === "claude") {
      await writeFile(
        opts.stdoutFile,
        claudeTranscript({
          text,
          cost: spent.cost,
          isError: failMessage !== undefined,
          sessionId: `session-${id}`,
          model: directive.model,
          structured: directive.json === undefined ? undefined : JSON.parse(directive.json),
        }),
      );
      await writeFile(opts.stderrFile, directive.stderr ?? "");
    } else {
      await writeFile(opts.stdoutFile, failMessage ? "" : text);
      await writeFile(opts.stderrFile, failMessage ?? directive.stderr ?? "");
    }
    return finish(exitCode, false, false);
  }

  imageExists(): Promise<boolean> {
    return Promise.resolve(true);
  }

  buildImage(): Promise<void> {
    return Promise.resolve();
  }

  ensureImage(): Promise<void> {
    return Promise.resolve();
  }

  /** Kill every in-flight call whose labels include all of these. */
  removeByLabels(labels: Record<string, string>): Promise<number> {
    let n = 0;
    for (const c of this.calls) {
      if (c.exit || !Object.entries(labels).every(([k, x]) => c.opts.labels[k] === x)) continue;
      this.kills.get(c.id)?.();
      n++;
    }
    return Promise.resolve(n);
  }

  listOwned(): Promise<{ id: string; labels: Record<string, string> }[]> {
    return Promise.resolve(
      this.calls.filter((c) => !c.exit).map((c) => ({ id: c.id, labels: c.opts.labels })),
    );
  }

  remove(id: string): Promise<void> {
    this.kills.get(id)?.();
    return Promise.resolve();
  }

  /** Networks the fake engine has, by name, with their labels; createNetwork adds to it. */
  readonly networks = new Map<string, Record<string, string>>();

  networkLabels(name: string): Promise<Record<string, string> | null> {
    return Promise.resolve(this.networks.get(name) ?? null);
  }

  createNetwork(name: string, labels: Record<string, string>): Promise<void> {
    if (!this.networks.has(name)) this.networks.set(name, labels);
    return Promise.resolve();
  }
}

export function createFakeRuntime(options?: FakeRuntimeOptions): FakeRuntime {
  return new FakeRuntime(options);
}
