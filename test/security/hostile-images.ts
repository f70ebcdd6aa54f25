// Image references a caller might send, each one the engine must never see: [category, input].
export const hex64 = "0123456789abcdef".repeat(4);

export const HOSTILE_IMAGES: [string, string][] = [
  // what made the engine answer a redirect (and the server die)
  ["redirect", ""], ["redirect", "."], ["redirect", ".."], ["redirect", "/"], ["redirect", "x//y"], ["redirect", "a/../b"],
  ["redirect", "a/./b"], ["redirect", "./a"], ["redirect", "../a"], ["redirect", "a/"], ["redirect", "/a"], ["redirect", "a/.."],
  ["redirect", "//a"], ["redirect", "a//"], ["redirect", "..."], ["redirect", "a/b/../../c"], ["redirect", "a/%2e%2e/b"],
  // URL syntax that would change the request
  ["url", "%2e%2e"], ["url", "%2F"], ["url", "a%2fb"], ["url", "?x"], ["url", "a?x=1"], ["url", "#"], ["url", "a#frag"],
  ["url", "a&b"], ["url", "a;b"], ["url", "a\\b"], ["url", "http://evil/x"], ["url", "a/b?all=1"], ["url", "x/json?"],
  ["url", "a b"], ["url", " a"], ["url", "a "], ["url", "a\tb"], ["url", "a+b"], ["url", "~a"], ["url", "a*"], ["url", "a\"b"],
  ["url", "a'b"], ["url", "a<b>"], ["url", "a|b"], ["url", "a$b"], ["url", "$(id)"], ["url", "`id`"], ["url", "a,b"], ["url", "a=b"],
  // control characters
  ["control", "a\nb"], ["control", "a\n"], ["control", "a\rb"], ["control", "a\0b"], ["control", "\0"], ["control", "a\u001bb"],
  ["control", "a\u007f"], ["control", "debian:bookworm\n"], ["control", "debian\r\nHost: evil"],
  // case
  ["case", "Debian"], ["case", "DEBIAN:latest"], ["case", "library/Ubuntu"], ["case", "registry.io/Org/app"], ["case", "aB"],
  // unicode lookalikes and non-ASCII
  ["unicode", "dеbian"], ["unicode", "debian\u200b"], ["unicode", "ｄｅｂｉａｎ"], ["unicode", "debian:bookworm\u2010slim"],
  ["unicode", "débian"], ["unicode", "debian:latést"], ["unicode", "\u202edebian"], ["unicode", "debian\ufeff"], ["unicode", "reg.io／app"],
  // options and flags
  ["flag", "--help"], ["flag", "-v"], ["flag", "-"], ["flag", "--"], ["flag", "-rm"], ["flag", "--privileged"],
  // tags and digests
  ["tag", "a:b:c"], ["tag", "a:"], ["tag", ":a"], ["tag", ":"], ["tag", "a:-x"], ["tag", "a:.x"], ["tag", `a:${"t".repeat(129)}`],
  ["tag", "a:b/c"], ["tag", "a::b"], ["tag", "a:b c"],
  ["digest", "@sha256:short"], ["digest", "a@sha256:short"], ["digest", "a@sha256:"], ["digest", "a@"], ["digest", `a@sha512:${hex64}${hex64}`],
  ["digest", `a@sha256:${hex64.toUpperCase()}`], ["digest", `a@sha256:${hex64}0`], ["digest", `a@${hex64}`], ["digest", `a@@sha256:${hex64}`],
  ["digest", `a@sha256:${hex64}:tag`],
  // separators
  ["separator", "a..b"], ["separator", "a.-b"], ["separator", "a___b"], ["separator", "_a"], ["separator", "a_"], ["separator", "a-"],
  ["separator", ".a"], ["separator", "a."], ["separator", "a/-b"], ["separator", "a/_b"],
  // hosts and ports
  ["host", "localhost:/x"], ["host", "localhost:abc/x"], ["host", "-host.io/x"], ["host", "host-.io/x"], ["host", "[::1/x"],
  ["host", "[zz::1]:5000/x"], ["host", "host..io/x"], ["host", "user@host/x"], ["host", "host:5000:6000/x"],
  // size
  ["length", "a".repeat(256)], ["length", `r.io/${"a".repeat(251)}`], ["length", "a/".repeat(200) + "a"], ["length", "a".repeat(100_000)],
  ["length", `${"a-".repeat(5000)}!`], // would make a naive grammar regex backtrack for ever
  // ids
  ["id", hex64], ["id", `${hex64}:latest`],
];

