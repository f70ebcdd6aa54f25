// Every built-in plugin passes the plugin contract.
import { builtins } from "../../src/plugins/_registry.ts";
import { testPlugin } from "./plugin-contract.ts";

const ref = "aaaaaaaaaaaa/agent-0";
const task = { prompt: "contract sample" };

testPlugin("combinators", builtins.combinators!, {
  samples: {
    run: { prompt: "contract sample" },
    par: { tasks: [task, task] },
    map: { prompt_template: "do {input}", inputs: ["a", "b"] },
    chain: { stages: [task, task] },
    reduce: { inputs: ["one", "two"], synthesis_prompt: "merge" },
    map_reduce: { prompt_template: "do {input}", inputs: ["a"], synthesis_prompt: "merge" },
    race: { tasks: [task, task] },
    retry: { prompt: "contract sample" },
    filter: { refs: [ref], declared_type: "report" },
    guard: { ref, check: "exists" },
  },
});

testPlugin("observe", builtins.observe!, {
  samples: {
    unwrap: { ref },
    inspect: { ref },
    wait: { run_id: "aaaaaaaaaaaa", wait_s: 0 },
    status: { run_id: "aaaaaaaaaaaa" },
    cancel: { run_id: "aaaaaaaaaaaa" },
    runs: {},
  },
});

testPlugin("claude-code", builtins["claude-code"]!, {
  samples: { reply: { ref, prompt: "contract sample" } },
});
testPlugin("command", builtins.command!);
testPlugin("repo", builtins.repo!, {
  samples: { merge: { refs: [ref] }, drop: { refs: [ref] } },
});
