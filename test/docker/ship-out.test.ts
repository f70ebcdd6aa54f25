// The copy back of a remote agent's dir (ship.ts shipOut, untar.ts), from archives a real engine
// makes of what a hostile agent left: names that forge tar records, fifos, setuid files, links.
// The local engine serves here: the archive endpoint is the same, and an agent controls its
// archive only through the files it makes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerApi } from "../../src/plugins/docker/docker-api.ts";
import { shipIn, shipOut } from "../../src/plugins/docker/ship.ts";
import { tar } from "../../src/plugins/docker/tar.ts";
import { BASE_IMAGE, docker, dockerSkip } from "../helpers/docker-env.ts";

const skip = await dockerSkip();
const LIMITS = { maxBytes: 1 << 20, maxEntries: 100 };

describe("copy back of an agent's dir from a real engine's archive", { skip }, () => {
  const name = `swarm-test-shipout-${process.pid}`;
  const api = createDockerApi(process.env.DOCKER_HOST);
  let dir: string;
  let id: string;
  // A name Docker must write as a pax record (not ASCII) whose second line reads as a record.
  const evil = "\u00e9\n9 size=0";
  const forged = Buffer.from(tar([{ name: "output/forged.txt", data: "forged" }]));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-shipout-"));
    const script = [
      "set -e; mkdir -p /output/d; cd /output",
      `echo ${forged.toString("base64")} | base64 -d > "$(printf '\\303\\251\\n9 size=0')"`,
      "echo s > setuid; chmod 4755 setuid; mkfifo fifo; ln -s setuid in-link; ln -s /usr/bin/python3 out-link",
      "echo h > d/hard; ln d/hard hard2",
      "mkdir -p /ws; head -c 3000 /dev/zero > /ws/zeros",
      "mkdir -p /rep/a; echo in > /rep/a/f; echo file > /rep/d",
      // A path just under the container's 4096 bytes: over them below a longer host dir.
      `mkdir /deep; cd /deep; for i in $(seq 40); do d=$(printf "%0100d" $i); mkdir $d; cd $d; done`,
      'echo x > "$(printf "%040d" 7)"',
    ].join("\n");
    id = await docker(
      "create",
      "--label",
      "swarm-test=1",
      "--name",
      name,
      BASE_IMAGE,
      "sh",
      "-c",
      script,
    );
    await docker("start", "-a", id);
    const code = await docker("inspect", "--format", "{{.State.ExitCode}}", id);
    assert.equal(code, "0", "the agent's script ran");
  });
  after(async () => {
    await docker("rm", "-f", name).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps a name that forges a pax record as one file with its content; no device, no symbolic link, no setuid; a hard link a copy", async () => {
    await shipOut(api, id, [{ host: dir, container: "/output", writable: true }], LIMITS);
    assert.deepEqual((await readdir(dir)).sort(), ["d", "hard2", "setuid", evil].sort());
    assert.deepEqual(await readFile(join(dir, evil)), forged, "the file's content, not headers");
    assert.equal(
      (await lstat(join(dir, "setuid"))).mode & 0o7022,
      0,
      "no setuid, no group/other write",
    );
    assert.deepEqual(await readdir(join(dir, "d")), ["hard"]);
    assert.equal(await readFile(join(dir, "hard2"), "utf8"), "h\n", "a hard link's name: a copy");
  });

  it("a file the agent replaced by a dir, and a dir by a file, come back as it left them", async () => {
    const rep = await mkdtemp(join(dir, "rep-"));
    await writeFile(join(rep, "a"), "staged file");
    await mkdir(join(rep, "d", "sub"), { recursive: true });
    await writeFile(join(rep, "d", "sub", "x"), "staged");
    await shipOut(api, id, [{ host: rep, container: "/rep", writable: true }], LIMITS);
    assert.equal(await readFile(join(rep, "a", "f"), "utf8"), "in\n");
    assert.equal(await readFile(join(rep, "d"), "utf8"), "file\n");
  });

  it("a path this machine cannot hold fails the copy back with a short sentence", async () => {
    const host = await mkdtemp(join(dir, "deep-"));
    const copy = shipOut(api, id, [{ host, container: "/deep", writable: true }], LIMITS);
    const e = await copy.then(() => assert.fail("copied back"), (e: Error) => e);
    assert.match(e.message, /^Cannot copy back \/deep from container \w+: ENAMETOOLONG \(/);
    assert.match(e.message, /this machine cannot write the agent's files there/);
    assert.ok(e.message.length < 400, e.message);
  });

  it("the byte limit bounds the agent's dirs together, not each", async () => {
    const [out, ws] = [await mkdtemp(join(dir, "out-")), await mkdtemp(join(dir, "ws-"))];
    const both = [
      { host: out, container: "/output", writable: true },
      { host: ws, container: "/ws", writable: true },
    ];
    const limits = { maxBytes: 4000, maxEntries: 100 }; // each dir alone holds less
    for (const d of both) await shipOut(api, id, [d], limits);
    await assert.rejects(shipOut(api, id, both, limits), /over 4000 bytes/);
  });
});

describe("copy in of unusual names", { skip }, () => {
  const name = `swarm-test-shipin-${process.pid}`;
  const api = createDockerApi(process.env.DOCKER_HOST);
  let dir: string;

  it("a name that is not UTF-8 is refused with a sentence", async () => {
    const host = await mkdtemp(join(tmpdir(), "swarm-shipin-"));
    try {
      await writeFile(Buffer.concat([Buffer.from(`${host}/bad-`), Buffer.from([0xff])]), "x");
      await assert.rejects(
        shipIn(
          api,
          "none",
          [{ host, container: "/in", writable: true }],
          { uid: 0, gid: 0 },
          LIMITS,
        ),
        /^RuntimeError: Cannot send ".*bad-\uFFFD" to the remote Docker engine at .*: its name is not UTF-8, or it went meanwhile; rename it$/,
      );
    } finally {
      await rm(host, { recursive: true, force: true });
    }
  });

  after(async () => {
    await docker("rm", "-f", name).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a 200-byte file name and a 300-byte path arrive whole (a pax header), owned by the agent", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-shipin-"));
    const long = "n".repeat(200), deep = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(50));
    await writeFile(join(dir, long), "long\n");
    await mkdir(join(dir, ...deep), { recursive: true });
    await writeFile(join(dir, ...deep, "f"), "deep\n");
    const id = await docker(
      ...["create", "--label", "swarm-test=1", "--name", name, BASE_IMAGE],
      ...[
        "sh",
        "-c",
        `cd /in && find . -type f | sort && stat -c %u ${long} ${deep.join("/")} && cat ${long}`,
      ],
    );
    await shipIn(api, id, [{ host: dir, container: "/in", writable: true }], {
      uid: 1234,
      gid: 1234,
    }, LIMITS);
    const out = await docker("start", "-a", id);
    assert.equal(out, [`./${deep.join("/")}/f`, `./${long}`, "1234", "1234", "long"].join("\n"));
  });
});

describe("what the agent removed from a dir that went in", { skip }, () => {
  const name = `swarm-test-shipdel-${process.pid}`;
  const api = createDockerApi(process.env.DOCKER_HOST);
  let dir: string;

  after(async () => {
    await docker("rm", "-f", name).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is removed from the host dir too, as from a bind mount; the rest stays", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-shipdel-"));
    const [ws, ro] = [join(dir, "ws"), join(dir, "ro")];
    for (const d of [join(ws, "d"), ro]) await mkdir(d, { recursive: true });
    for (const f of ["keep", "gone", "made-link", "d/x"]) await writeFile(join(ws, f), f);
    await writeFile(join(ro, "r"), "r");
    const script = "cd /ws && rm -r gone d && ln -sf keep made-link && echo new > new && rm /ro/r";
    const id = await docker(
      ...["create", "--label", "swarm-test=1", "--name", name, BASE_IMAGE, "sh", "-c", script],
    );
    const dirs = [
      { host: ws, container: "/ws", writable: true },
      { host: ro, container: "/ro", writable: false },
    ];
    const sent = await shipIn(api, id, dirs, { uid: 0, gid: 0 }, LIMITS);
    await docker("start", "-a", id);
    await shipOut(api, id, dirs, LIMITS, sent);
    assert.deepEqual((await readdir(ws)).sort(), ["keep", "new"]);
    assert.deepEqual(await readdir(ro), ["r"], "a read-only dir does not come back");
    await docker("rm", id);
    await shipOut(api, id, dirs, LIMITS, sent); // 404: no archive says what is gone
    assert.deepEqual((await readdir(ws)).sort(), ["keep", "new"], "nothing removed");
  });
});
