import type { StackTable } from './profile.js';

/**
 * A value for each stack, made from its caller's value and its own frame (a call-tree node, a folded line's
 * text), each computed once, on first use, and without recursion: stacks can be thousands of frames deep.
 * `rootValue` is what a root-level frame's caller stands for.
 */
export function stackValues<T>(stacks: StackTable, rootValue: T, childValue: (caller: T, stackId: number) => T): (stackId: number) => T {
  const values = new Map<number, T>();
  return (stackId) => {
    const path: number[] = [];
    let s = stackId;
    while (s !== -1 && !values.has(s)) {
      path.push(s);
      s = stacks.prefix[s]!;
    }
    let value = s === -1 ? rootValue : values.get(s)!;
    for (let i = path.length - 1; i >= 0; i--) {
      value = childValue(value, path[i]!);
      values.set(path[i]!, value);
    }
    return value;
  };
}
