// The host's git is what repo sandboxes need: doctor names it, and without it a repo sandbox is
// refused with a sentence that says so (not "not a git work tree").
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BINARY, binarySkip } from "../../helpers/binary.ts";
import { locateRepo } from "../../../src/plugins/repo/host-repo.ts";
import { createHarness } from "../../helpers/harness.ts";
import { makeRepo } from "./_fixture.ts";

const run = promisify(execFile);

describe("repo: the host's git", () => {
  it(
    "doctor says which git it found, and warns when there is none",
    { skip: binarySkip },
    async () => {
      const data = await mkdtemp(join(tmpdir(), "swarm-doctor-"));
      try {
        const env = { ...process.env, SWARM_DATA_DIR: join(data, "d") };
        const doctor = (path: string) =>
          run(BINARY, ["doctor"], { env: { ...env, PATH: path } }).then(
            (r) => r.stdout,
            (e) => e.stdout as string,
          );
        assert.match(await doctor(process.env.PATH!), /^ok +git +git version \d/m);
        assert.match(
          await doctor("/nonexistent"),
          /^warn +git +not found on PATH: sandboxes with repo need the host's git/m,
        );
      } finally {
        await rm(data, { recursive: true, force: true });
      }
    },
  );

  it("without git on PATH, a repo is refused naming git", async () => {
    const h = await createHarness();
    const repo = await makeRepo();
    const path = process.env.PATH;
    try {
      process.env.PATH = "/nonexistent";
      await assert.rejects(
        locateRepo(h.core, repo.dir),
        /: git is not installed on the server's host; install git/,
      );
    } finally {
      process.env.PATH = path;
      await h.dispose();
      await repo.dispose();
    }
  });
});
