import type { Profile } from '../model/profile.js';
import { stackValues } from '../model/stack-walk.js';

/**
 * V8's sampling heap profile (`.heapprofile`), for Chrome DevTools' Memory panel: a call tree under
 * `(root)` whose nodes carry `selfSize` in bytes, and `samples` (`size`, `nodeId`, `ordinal`), one per
 * sample of the profile. Several threads each get a node named after the thread under `(root)`. Only
 * profiles in bytes are written: a heap profile of CPU samples would call samples bytes.
 */

interface HeapNode {
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  id: number;
  children: HeapNode[];
}

export function toHeapprofile(profile: Profile): string {
  if (profile.unit !== 'bytes') throw new Error(`a .heapprofile holds bytes; this profile counts ${profile.unit}`);
  let nextId = 1;
  const scriptIds = new Map<string, string>();
  const node = (name: string, url = '', line?: number, col?: number): HeapNode => {
    let scriptId = '0';
    if (url) {
      scriptId = scriptIds.get(url) ?? String(scriptIds.size + 1);
      scriptIds.set(url, scriptId);
    }
    return {
      callFrame: { functionName: name, scriptId, url, lineNumber: line !== undefined ? line - 1 : -1, columnNumber: col !== undefined ? col - 1 : -1 },
      selfSize: 0,
      id: nextId++,
      children: [],
    };
  };
  const root = node('(root)');
  const threadRoots = profile.threads.map((thread) => {
    if (profile.threads.length === 1) return root;
    const threadNode = node(thread.name);
    root.children.push(threadNode);
    return threadNode;
  });
  const nodeOf = threadRoots.map((top) =>
    stackValues(profile.stacks, top, (caller, stackId) => {
      const frame = profile.frames[profile.stacks.frame[stackId]!]!;
      const child = node(frame.name, frame.file ?? '', frame.line, frame.col);
      caller.children.push(child);
      return child;
    }),
  );
  const samples: { size: number; nodeId: number; ordinal: number }[] = [];
  const { stack, weight, thread, length } = profile.samples;
  for (let i = 0; i < length; i++) {
    const target = nodeOf[thread[i]!]!(stack[i]!);
    target.selfSize += weight[i]!;
    samples.push({ size: weight[i]!, nodeId: target.id, ordinal: i + 1 });
  }
  return JSON.stringify({ head: root, samples });
}
