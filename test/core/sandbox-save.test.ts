// Saved sandbox specs may hold secrets in env_vars: the file is 0600 and its directory 0700.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createSandboxes } from "../../src/core/sandbox.ts";
import { builtinFields } from "../helpers/fields.ts";

describe("saved sandbox specs", () => {
  it("are written 0600 in a 0700 directory, whatever the umask lets through", async () => {
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const umask = process.umask(0o022); // the usual umask: a missing mode would give 0644/0755
    try {
      const path = await createSandboxes({ home, fields: builtinFields() }).save("deploy", {
        env_vars: { API_TOKEN: "s3cret" },
      });
      assert.equal((await stat(path)).mode & 0o777, 0o600, "spec file mode");
      assert.equal((await stat(dirname(path))).mode & 0o777, 0o700, "sandboxes dir mode");
      assert.match(await readFile(path, "utf8"), /API_TOKEN/);
    } finally {
      process.umask(umask);
      await rm(home, { recursive: true, force: true });
    }
  });

  it("a re-save replaces an older readable copy and a planted link, and tightens the directory", async () => {
    const home = await mkdtemp(join(tmpdir(), "home-"));
    try {
      const dir = join(home, ".claude", "sandboxes");
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o755);
      await writeFile(join(dir, "old.json"), "{}", { mode: 0o644 });
      const target = join(home, "victim.txt");
      await writeFile(target, "untouched");
      await symlink(target, join(dir, "linked.json"));
      const sandboxes = createSandboxes({ home, fields: builtinFields() });
      const old = await sandboxes.save("old", { env_vars: { API_TOKEN: "s3cret" } });
      assert.equal((await stat(old)).mode & 0o777, 0o600, "re-saved file mode");
      assert.equal((await stat(dir)).mode & 0o777, 0o700, "existing dir tightened");
      await sandboxes.save("linked", { model: "haiku" });
      assert.equal(
        await readFile(target, "utf8"),
        "untouched",
        "the link's target was written through",
      );
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe("loading saved sandbox specs", () => {
  it("refuses a spec planted as a link, and names it in list() instead of reading through it", async () => {
    const home = await mkdtemp(join(tmpdir(), "home-"));
    try {
      const dir = join(home, ".claude", "sandboxes");
      await mkdir(dir, { recursive: true });
      const secret = join(home, "secret.json");
      await writeFile(secret, JSON.stringify({ model: "SECRET-MARKER" }));
      await symlink(secret, join(dir, "planted.json"));
      const sandboxes = createSandboxes({ home });
      await assert.rejects(sandboxes.load("planted"), /symbolic link|regular file/);
      const listed = await sandboxes.list();
      const planted = listed.find((s) => s.name === "planted");
      assert.ok(planted?.error, "a planted link is listed with its error");
      assert.doesNotMatch(JSON.stringify(listed), /SECRET-MARKER/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
