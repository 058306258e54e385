// The bench runner's own overhead: seconds per round excluding model time (workspace setup,
// tool execution, checker scripts, result files), on the synthetic set with a scripted agent.
import path from 'node:path';
import { loadBenchSet } from '../src/bench/dataset.js';
import { checkerEnv } from '../src/bench/python.js';
import { runBench } from '../src/bench/runner.js';
import { benchAgentReply } from '../test/fixtures/fake-llm/bench-agent.js';
import { startFakeLlm } from '../test/fixtures/fake-llm/index.js';
import { tempHome } from '../test/helpers/tmp.js';

const REPEATS = Number(process.env.REPEATS ?? 5);
const set = loadBenchSet(path.resolve('test/fixtures/bench-synth'));
const fake = await startFakeLlm({ recordRequests: false });
fake.script((req) => benchAgentReply(req, 'key'));
const perRound: number[] = [];
try {
  for (let i = 0; i < REPEATS; i++) {
    const out = tempHome('metaclaw-bench-runner-');
    const { results, overheadMs } = await runBench({
      set,
      days: set.days,
      out,
      model: 'agent-model',
      conditions: [{ name: 'baseline', baseUrl: `${fake.url}/v1`, apiKey: 'k' }],
      checkerEnv: checkerEnv(path.join(out, '.bin')).env,
    });
    perRound.push(overheadMs / 1000 / results.length);
  }
} finally {
  await fake.close();
}
perRound.sort((a, b) => a - b);
const median = perRound[Math.floor(perRound.length / 2)]!;
console.log(
  `bench runner overhead (synthetic set, ${set.days.length} days, ${REPEATS} runs, fake model on loopback):`,
);
console.log(
  `  median ${median.toFixed(4)} s per round excluding model time (min ${perRound[0]!.toFixed(4)}, max ${perRound[perRound.length - 1]!.toFixed(4)})`,
);
