// The pure parts of output capture: telling a failed wrapper from a failed command, and reading
// the engine's framed log. The real-engine behaviour is in test/docker/runtime.test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { deframe, wrapperFailed } from "../../src/plugins/docker/capture.ts";

describe("wrapperFailed", () => {
  it("recognises every way the wrapper can fail before the command runs", () => {
    for (
      const said of [
        "[FATAL tini (7)] exec /bin/sh failed: No such file or directory\n", // init present, no shell
        'exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown', // runc, no init
        "sh: 1: cannot create /run/swarm-io/stdout: Permission denied\n", // dash
        "sh: 1: cannot open /run/swarm-io/stdin: Permission denied\n", // dash, stdin
        "sh: can't create /run/swarm-io/stderr: Permission denied\n", // busybox ash
        "/bin/sh: line 1: /run/swarm-io/stdout: Permission denied\n", // bash as sh
      ]
    ) assert.equal(wrapperFailed(said), true, said);
  });

  it("does not mistake anything else for it", () => {
    for (
      const said of [
        "",
        "Killed\n",
        "[WARN  tini (7)] Tini is not running as PID 1\n",
        "sh: 1: exec: claude: not found\n",
        "/run/swarm-io/stdout-like but not ours",
      ]
    ) {
      assert.equal(wrapperFailed(said), false, said);
    }
  });
});

describe("deframe", () => {
  const frame = (kind: number, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = kind;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };

  it("joins the payloads of stdout and stderr frames in order", () => {
    assert.equal(
      deframe(Buffer.concat([frame(2, "err one\n"), frame(1, "out ✓\n"), frame(2, "")])),
      "err one\nout ✓\n",
    );
  });

  it("keeps a log without frames (TTY) as text and ignores a cut-off last frame", () => {
    assert.equal(deframe(Buffer.from("plain text\n")), "plain text\n");
    assert.equal(deframe(Buffer.alloc(0)), "");
    const cut = frame(1, "complete\n");
    assert.equal(
      deframe(Buffer.concat([cut, frame(2, "truncated").subarray(0, 12)])),
      "complete\ntrun",
    );
  });
});
