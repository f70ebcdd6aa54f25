// wrap of a file in a dir an agent may change while the call runs: the path is judged, then read,
// and a parent swapped for a link in between led the read elsewhere (a file of the same name in
// the link's target, e.g. the host dir holding a secret). What is copied must be the very file
// that was judged (same device and inode), or the call fails. A second process swaps the parent
// back and forth while wrap runs again and again.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const TOGGLER = `
const { renameSync } = require("node:fs");
const [dir] = process.argv.slice(-1);
const mv = (a, b) => { try { renameSync(dir + "/" + a, dir + "/" + b); } catch {} };
const stop = Date.now() + 20000;
while (Date.now() < stop) { mv("out", "out.real"); mv("out.link", "out"); mv("out", "out.link"); mv("out.real", "out"); }
`;

describe("config plugin: wrap while a parent dir is swapped for a link", () => {
  let root: string;
  let h: Harness;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "swarm-wrap-race-"));
    await mkdir(join(root, "proj", "out"), { recursive: true });
    await mkdir(join(root, "private"));
    await writeFile(join(root, "proj", "out", "id.txt"), "decoy\n");
    await writeFile(join(root, "private", "id.txt"), "HOST SECRET\n");
    await writeFile(join(root, "private", "only-in-private.txt"), "HOST SECRET TOO\n");
    await symlink(join(root, "private"), join(root, "proj", "out.link"));
    h = await createHarness();
  });
  after(async () => {
    await h?.dispose();
    if (h) await rm(h.dataDir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  for (const target of ["out/id.txt", "out"]) {
    it(`never reads what the link leads to: wrap ${target}`, async () => {
      const toggler = spawn(process.execPath, ["-e", TOGGLER, join(root, "proj")], {
        stdio: "ignore",
      });
      let copied = 0;
      try {
        for (let i = 0; i < 600; i++) {
          const r = await h.call("wrap", { path: join(root, "proj", target) });
          if (r.isError) {
            assert.match(r.text, /^Cannot wrap /, r.text);
            continue;
          }
          copied++;
          const text = await readFile(
            (await h.call("unwrap", { ref: r.data.ref })).data.file,
            "utf8",
          );
          assert.doesNotMatch(text, /SECRET|only-in-private/, `call ${i} read the link's target`);
          assert.match(text, /decoy|not included: moved while reading/);
        }
      } finally {
        toggler.kill("SIGKILL");
      }
      assert.ok(
        copied > 0,
        "no call got through while the dir was swapped: the test proves nothing",
      );
    });
  }
});
