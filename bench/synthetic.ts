import { seededRandom } from '../test/helpers/random.js';

/**
 * Synthetic profiles of a chosen size for the benchmarks: a random call tree over a pool of function names
 * and files, with skewed (few hot, many cold) sample counts, as real profiles have. Seeded, so every run
 * measures the same input.
 */

function makeNames(random: () => number, count: number): { name: string; url: string; line: number }[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `fn${i}_${Math.floor(random() * 1e6).toString(36)}`,
    url: i % 3 === 0 ? `file:///srv/app/node_modules/dep${i % 50}/index.js` : `file:///srv/app/src/module${i % 200}.js`,
    line: 1 + Math.floor(random() * 2000),
  }));
}

/** A V8 .cpuprofile with `samples` samples spread over about `nodes` call-tree nodes. */
export function syntheticCpuprofile(samples: number, nodes: number, seed = 1): string {
  const random = seededRandom(seed);
  const names = makeNames(random, 5000);
  const tree: { id: number; callFrame: object; hitCount: number; children: number[] }[] = [
    { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] },
  ];
  const depth = [0];
  for (let i = 1; i < nodes; i++) {
    // Attach to a recent node more often than an old one, so the tree is deep as well as wide.
    const parent = Math.max(0, tree.length - 1 - Math.floor(random() ** 3 * tree.length));
    if (depth[parent]! > 60) continue;
    const fn = names[Math.floor(random() * names.length)]!;
    tree.push({
      id: tree.length + 1,
      callFrame: { functionName: fn.name, scriptId: '1', url: fn.url, lineNumber: fn.line, columnNumber: 4 },
      hitCount: 0,
      children: [],
    });
    tree[parent]!.children.push(tree.length);
    depth.push(depth[parent]! + 1);
  }
  const sampleIds = new Array<number>(samples);
  const timeDeltas = new Array<number>(samples);
  for (let i = 0; i < samples; i++) {
    const node = 1 + Math.floor(random() ** 4 * (tree.length - 1));
    tree[node]!.hitCount++;
    sampleIds[i] = node + 1;
    timeDeltas[i] = 900 + Math.floor(random() * 300);
  }
  const endTime = timeDeltas.reduce((a, b) => a + b, 0);
  return JSON.stringify({ nodes: tree, startTime: 0, endTime, samples: sampleIds, timeDeltas });
}

/**
 * Folded text with exactly `stacks` distinct stacks, shaped like a real program's: a call tree where each
 * function calls a few others, some far more often than the rest, 5 to 35 frames deep.
 */
export function syntheticFolded(stacks: number, seed = 2): string {
  const random = seededRandom(seed);
  const names = makeNames(random, 5000).map((f) => `${f.name} (${f.url.replace('file:///srv/app/', '')}:${f.line})`);
  const seen = new Set<string>();
  const lines: string[] = [];
  while (lines.length < stacks) {
    const depth = 5 + Math.floor(random() * 30);
    const frames = ['main'];
    let node = 0;
    for (let d = 0; d < depth; d++) {
      // Up to six callees per function, the first ones much more likely: hot paths shared by many stacks.
      node = (node * 6 + 1 + Math.floor(random() ** 2 * 6)) % 1_000_003;
      frames.push(names[node % names.length]!);
    }
    const stack = frames.join(';');
    if (seen.has(stack)) continue;
    seen.add(stack);
    lines.push(`${stack} ${1 + Math.floor(random() ** 4 * 100)}`);
  }
  return `${lines.join('\n')}\n`;
}
