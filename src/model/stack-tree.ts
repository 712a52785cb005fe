/**
 * The stack table as a tree: each stack's children (`children[childStart[s] .. childStart[s + 1])`; the roots
 * are the children of the extra slot `prefix.length`), by a counting sort over the callers.
 */
export function stackChildren(prefix: ArrayLike<number>): { childStart: Uint32Array; children: Uint32Array } {
  const length = prefix.length;
  const childStart = new Uint32Array(length + 2);
  for (let s = 0; s < length; s++) childStart[(prefix[s] === -1 ? length : prefix[s]!) + 1]!++;
  for (let s = 1; s < childStart.length; s++) childStart[s]! += childStart[s - 1]!;
  const children = new Uint32Array(length);
  const filled = childStart.slice(0, length + 1);
  for (let s = 0; s < length; s++) children[filled[prefix[s] === -1 ? length : prefix[s]!]!++] = s;
  return { childStart, children };
}

/**
 * Which stacks are the outermost call of their function on their path: their function does not occur among
 * their callers. A function's total counts the weight under these only, so a recursive function counts each
 * sample once (as `tsprof report`, the page's table and pprof's cum do). One depth-first walk of the stack
 * tree, without recursion (stacks can be thousands deep).
 *
 * `prefix[s]` is the caller's stack (-1 at a root, callers before the stacks they call), `frame[s]` the
 * function, `tree` the stackChildren of `prefix` when the caller has it already; returns 1 for each outermost
 * stack.
 */
export function outermostCalls(
  prefix: ArrayLike<number>,
  frame: ArrayLike<number>,
  functionCount: number,
  tree: { childStart: Uint32Array; children: Uint32Array } = stackChildren(prefix),
): Uint8Array {
  const length = prefix.length;
  const { childStart, children } = tree;
  const outermost = new Uint8Array(length);
  const onPath = new Uint32Array(functionCount); // how often each function occurs on the current path
  // Entries >= 0 enter a stack; ~s leaves it.
  const pending: number[] = [];
  for (let i = childStart[length]!; i < childStart[length + 1]!; i++) pending.push(children[i]!);
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (entry < 0) {
      onPath[frame[~entry]!]!--;
      continue;
    }
    const fn = frame[entry]!;
    if (onPath[fn] === 0) outermost[entry] = 1;
    onPath[fn]!++;
    pending.push(~entry);
    for (let i = childStart[entry]!; i < childStart[entry + 1]!; i++) pending.push(children[i]!);
  }
  return outermost;
}
