// Hostile run ids and planted run records for wait, status, cancel and runs: each is refused or
// reported with a clear sentence, no link is followed, nothing hangs, and the server keeps serving.
// A real core with the built-in plugins over MCP; the container runtime is the fake one (no run
// here starts a container).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostname } from "../../src/core/runtime/platform.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const MARKER = "HOST-SECRET-MARKER-7f3a";
const DEAD_PID = 4194305; // above Linux's largest pid_max: never a live process
const TOOLS = ["wait", "status", "cancel"] as const;

function record(runId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    run_id: runId,
    tool: "par",
    status: "done",
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:01.000Z",
    done: 1,
    total: 1,
    failed: 0,
    cost_usd: 0,
    refs: [`${runId}/agent-0`],
    error: null,
    result: { ok: 1 },
    owner: { instance: "0123456789ab", pid: DEAD_PID, host: hostname() },
    ...extra,
  };
}

/** [category, shown input, value]: run ids that are not run ids. */
const BAD_IDS: [string, string, unknown][] = [
  ["format", "empty", ""],
  ["format", "3 chars", "abc"],
  ["format", "uppercase hex", "ABCDEF012345"],
  ["format", "mixed case", "abcDEF012345"],
  ["format", "11 chars", "abcdef01234"],
  ["format", "13 chars", "abcdef0123456"],
  ["format", "non-hex letter", "abcdef01234g"],
  ["format", "leading space", " abcdef01234"],
  ["format", "trailing space", "abcdef012345 "],
  ["format", "trailing newline", "abcdef012345\n"],
  ["format", "NUL inside", "abcdef01234\0"],
  ["format", "0x prefix", "0x0123456789"],
  ["format", "negative number text", "-12345678901"],
  ["format", "cyrillic a", "\u0430bcdef012345"],
  ["format", "fullwidth digits", "０１２３４５６７８９ａｂ"],
  ["format", "a ref, not a run id", "abcdef012345/agent-0"],
  ["format", "JSON of an object", '{"run_id":"abcdef012345"}'],
  ["format", "huge string (1 MB)", "a".repeat(1 << 20)],
  ["path", "parent traversal of 12 chars", "../../../etc"],
  ["path", "absolute path", "/etc/passwd"],
  ["path", "URL-encoded traversal", "..%2f..%2fetc"],
  ["path", "the key directory", ".keys"],
  ["path", "dot", "."],
  ["path", "backslash traversal", "..\\..\\..\\et"],
];

/** Values of other types: the schema refuses them over MCP; the core refuses them when called directly. */
const BAD_TYPES: [string, unknown][] = [
  ["number", 123456789012],
  ["null", null],
  ["object with run_id", { run_id: "abcdef012345" }],
  ["array", ["abcdef012345"]],
  ["boolean", true],
  ["object whose toString throws", {
    toString() {
      throw new Error("boom");
    },
  }],
];

describe("hostile run ids and run records", () => {
  let h: Harness;
  let data: string;
  let outside: string;

  before(async () => {
    h = await createHarness();
    data = h.core.config.dataDir;
    outside = await mkdtemp(join(tmpdir(), "swarm-outside-"));
    await writeFile(
      join(outside, "secret.json"),
      JSON.stringify(record("cafecafecafe", { marker: MARKER })),
    );
  });
  after(async () => {
    await h.dispose();
    await rm(outside, { recursive: true, force: true });
  });

  const refused = async (
    tool: string,
    args: Record<string, unknown>,
    code: string | RegExp,
    why: RegExp,
  ) => {
    const r = await h.call(tool, args);
    assert.equal(r.isError, true, `${tool} answered ${r.text.slice(0, 200)}`);
    assert.match(
      r.data.code,
      typeof code === "string" ? new RegExp(`^${code}$`) : code,
      `${tool}: ${r.text.slice(0, 200)}`,
    );
    assert.match(r.text, why);
    assert.ok(r.text.length < 600, `${tool} echoes ${r.text.length} characters`);
    assert.ok(!r.text.includes(MARKER), `${tool} leaked the host file`);
    return r;
  };

  for (const [category, shown, id] of BAD_IDS) {
    it(`hostile run id ${category}: ${shown}`, async () => {
      for (const tool of TOOLS) {
        await refused(
          tool,
          { run_id: id },
          "INVALID_INPUT",
          /^Cannot find run .*12 lowercase hex characters/s,
        );
      }
      await assert.rejects(h.core.runs.status(id as string), /12 lowercase hex/);
    });
  }

  for (const [shown, value] of BAD_TYPES) {
    it(`hostile run id type: ${shown}`, async () => {
      if (shown !== "object whose toString throws") {
        for (const tool of TOOLS) await refused(tool, { run_id: value }, "INVALID_INPUT", /run_id/);
      }
      for (
        const call of [
          () => h.core.runs.status(value as string),
          () => h.core.runs.cancel(value as string),
        ]
      ) {
        await assert.rejects(
          call(),
          (e: Error & { code?: string }) =>
            e.code === "INVALID_INPUT" &&
            /^Cannot find run \(a (number|object|boolean|null)\)/.test(e.message),
        );
      }
    });
  }

  for (
    const [shown, limit] of [["zero", 0], ["negative", -1], ["huge", 1e9], ["fraction", 1.5], [
      "string",
      "5",
    ], ["NaN-like object", { valueOf: 5 }]] as [string, unknown][]
  ) {
    it(`hostile runs limit: ${shown}`, async () => {
      await refused("runs", { limit }, "INVALID_INPUT", /limit/);
    });
  }

  it("hostile run id unknown but well formed: NOT_FOUND naming runs", async () => {
    for (const tool of TOOLS) {
      await refused(
        tool,
        { run_id: "aaaaaaaaaaaa" },
        "NOT_FOUND",
        /^Cannot find run "aaaaaaaaaaaa": .*call runs/,
      );
    }
  });

  /** [category, shown, run id, plant, expected code, reason]: records planted in the data dir. */
  const PLANTED: [string, string, string, (dir: string) => Promise<void>, string, RegExp][] = [
    [
      "link",
      "run dir is a symlink to a dir with a valid record",
      "111111111111",
      async (dir) => {
        await mkdir(join(outside, "fake-run"), { recursive: true });
        await writeFile(
          join(outside, "fake-run", "run.json"),
          JSON.stringify(record("111111111111", { marker: MARKER })),
        );
        await symlink(join(outside, "fake-run"), dir);
      },
      "CONFLICT",
      /the run directory is a link or a file/,
    ],
    [
      "link",
      "run.json is a symlink to a host file with a marker",
      "222222222222",
      async (dir) => {
        await mkdir(dir);
        await symlink(join(outside, "secret.json"), join(dir, "run.json"));
      },
      "CONFLICT",
      /is a symbolic link/,
    ],
    [
      "link",
      "run.json is a dangling symlink",
      "222222222223",
      async (dir) => {
        await mkdir(dir);
        await symlink("/nonexistent/swarm", join(dir, "run.json"));
      },
      "CONFLICT",
      /is a symbolic link/,
    ],
    [
      "link",
      "run.json links to /dev/zero",
      "222222222224",
      async (dir) => {
        await mkdir(dir);
        await symlink("/dev/zero", join(dir, "run.json"));
      },
      "CONFLICT",
      /is a symbolic link/,
    ],
    [
      "file",
      "run dir is a regular file",
      "333333333333",
      (dir) => writeFile(dir, "x"),
      "CONFLICT",
      /link or a file/,
    ],
    [
      "file",
      "run.json is a directory",
      "333333333334",
      async (dir) => {
        await mkdir(join(dir, "run.json"), { recursive: true });
      },
      "CONFLICT",
      /not a regular file|cannot be opened/,
    ],
    [
      "file",
      "run.json is a FIFO (must not hang)",
      "333333333335",
      async (dir) => {
        await mkdir(dir);
        execFileSync("mkfifo", [join(dir, "run.json")]);
      },
      "CONFLICT",
      /not a regular file/,
    ],
    [
      "file",
      "run.json of 100 MB",
      "444444444444",
      async (dir) => {
        await mkdir(dir);
        await writeFile(join(dir, "run.json"), "{");
        await truncate(join(dir, "run.json"), 100 << 20); // sparse: no disk used
      },
      "CONFLICT",
      /over the \d+ byte limit/,
    ],
    [
      "content",
      "garbage bytes",
      "555555555551",
      (dir) => writeRecordRaw(dir, "\u0000\u00ff{{not json"),
      "CONFLICT",
      /not valid JSON/,
    ],
    [
      "content",
      "empty file",
      "555555555552",
      (dir) => writeRecordRaw(dir, ""),
      "CONFLICT",
      /not valid JSON/,
    ],
    [
      "content",
      "a JSON array",
      "555555555553",
      (dir) => writeRecordRaw(dir, "[]"),
      "CONFLICT",
      /not a JSON object/,
    ],
    [
      "content",
      "JSON null",
      "555555555554",
      (dir) => writeRecordRaw(dir, "null"),
      "CONFLICT",
      /not a JSON object/,
    ],
    [
      "content",
      "names another run",
      "555555555555",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("666666666666"))),
      "CONFLICT",
      /names another run/,
    ],
    [
      "types",
      "status is a number",
      "777777777771",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("777777777771", { status: 42 }))),
      "CONFLICT",
      /unknown status/,
    ],
    [
      "types",
      "status is an unknown word",
      "777777777772",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("777777777772", { status: "pwned" }))),
      "CONFLICT",
      /unknown status/,
    ],
    [
      "types",
      "done is a string",
      "777777777773",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("777777777773", { done: "1" }))),
      "CONFLICT",
      /counts/,
    ],
    [
      "types",
      "cost is negative",
      "777777777774",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("777777777774", { cost_usd: -5 }))),
      "CONFLICT",
      /counts/,
    ],
    [
      "types",
      "refs is a string",
      "777777777775",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("777777777775", { refs: "x" }))),
      "CONFLICT",
      /refs/,
    ],
    [
      "types",
      "error is a string",
      "777777777776",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("777777777776", { error: "boom" }))),
      "CONFLICT",
      /error/,
    ],
    [
      "types",
      "owner pid is a string",
      "777777777777",
      (dir) =>
        writeRecordRaw(
          dir,
          JSON.stringify(
            record("777777777777", {
              status: "running",
              owner: { instance: "x", pid: "1", host: "h" },
            }),
          ),
        ),
      "CONFLICT",
      /owner/,
    ],
    [
      "types",
      "tool missing",
      "777777777778",
      (dir) => writeRecordRaw(dir, JSON.stringify(record("777777777778", { tool: undefined }))),
      "CONFLICT",
      /tool or start time/,
    ],
  ];

  async function writeRecordRaw(dir: string, text: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "run.json"), text);
  }

  for (const [category, shown, id, plant, code, why] of PLANTED) {
    it(`hostile run record ${category}: ${shown}`, async () => {
      await plant(join(data, id));
      const t0 = Date.now();
      for (const tool of TOOLS) await refused(tool, { run_id: id }, code, why);
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
      // runs skips the damaged record and still answers.
      const list = await h.call("runs", { limit: 200 });
      assert.equal(list.isError, false, list.text);
      assert.ok(!list.data.runs.some((r: { run_id: string }) => r.run_id === id));
      assert.ok(!JSON.stringify(list.data).includes(MARKER));
    });
  }

  it("hostile run record planted after all of the above: the host file behind links is untouched", async () => {
    assert.match(await readFile(join(outside, "secret.json"), "utf8"), new RegExp(MARKER));
    assert.match(
      await readFile(join(outside, "fake-run", "run.json"), "utf8"),
      /"status": ?"done"/,
    );
  });

  it("a run a dead server left running is finished on disk at start-up, and reported failed", async () => {
    const id = "88888888888a";
    await writeRecordRaw(
      join(data, id),
      JSON.stringify(record(id, { status: "running", finished_at: undefined, result: undefined })),
    );
    await h.handle.reap();
    const onDisk = JSON.parse(await readFile(join(data, id, "run.json"), "utf8"));
    assert.equal(onDisk.status, "failed", "the start-up sweep rewrites the record");
    assert.equal(onDisk.error.code, "CANCELLED");
    assert.match(onDisk.error.message, /server stopped before this run finished/);
    assert.ok(onDisk.finished_at);
    const waited = await h.call("wait", { run_id: id, wait_s: 1 });
    assert.equal(waited.isError, true);
    assert.match(waited.text, /server stopped before this run finished/);
  });

  it("a record from before owners (no owner field) left running is finished as an orphan", async () => {
    const id = "88888888888b";
    await writeRecordRaw(
      join(data, id),
      JSON.stringify(record(id, { status: "running", owner: undefined })),
    );
    assert.equal((await h.call("status", { run_id: id })).data.status, "failed");
    assert.equal(JSON.parse(await readFile(join(data, id, "run.json"), "utf8")).status, "failed");
  });

  it("a run whose owner's pid now belongs to a later process is finished as an orphan", async () => {
    const id = "88888888888e";
    // The pid lives (this test process) but started at another time: the owner is gone.
    const owner = { instance: "fedcba987654", pid: process.pid, host: hostname(), started: "1" };
    await writeRecordRaw(
      join(data, id),
      JSON.stringify(record(id, { status: "running", owner })),
    );
    assert.equal((await h.call("status", { run_id: id })).data.status, "failed");
    assert.equal(JSON.parse(await readFile(join(data, id, "run.json"), "utf8")).status, "failed");
  });

  it("a run owned by a server on another host is reported running and never rewritten", async () => {
    const id = "88888888888c";
    const rec = record(id, {
      status: "running",
      owner: { instance: "fedcba987654", pid: DEAD_PID, host: `elsewhere-${hostname()}` },
    });
    await writeRecordRaw(join(data, id), JSON.stringify(rec));
    await h.handle.reap();
    const status = await h.call("status", { run_id: id });
    assert.equal(status.data.status, "running");
    assert.equal(status.data.owner.host, `elsewhere-${hostname()}`);
    assert.equal(JSON.parse(await readFile(join(data, id, "run.json"), "utf8")).status, "running");
  });

  it("cancel of another live server's run leaves a cancel request without following a planted link", async () => {
    const id = "88888888888d";
    // The owner is this test process under another instance id: alive, but it never answers.
    await writeRecordRaw(
      join(data, id),
      JSON.stringify(
        record(id, {
          status: "running",
          owner: { instance: "fedcba987654", pid: process.pid, host: hostname() },
        }),
      ),
    );
    await writeFile(join(outside, "target"), MARKER);
    await symlink(join(outside, "target"), join(data, id, "cancel"));
    const t0 = Date.now();
    const r = await refused("cancel", { run_id: id }, "CONFLICT", /did not stop it within 10 s/);
    assert.ok(Date.now() - t0 < 15000);
    assert.match(r.text, new RegExp(`pid ${process.pid}`));
    assert.equal(
      await readFile(join(outside, "target"), "utf8"),
      MARKER,
      "the link target is untouched",
    );
    const status = await h.call("status", { run_id: id });
    assert.equal(status.data.status, "running");
  });

  it("after every hostile input the server still serves", async () => {
    const r = await h.call("runs", { limit: 5 });
    assert.equal(r.isError, false);
  });
});
