import { buildCallTree, type CallTreeNode } from '../model/call-tree.js';
import { frameKind, frameLocation, frameName } from '../model/frame-display.js';
import type { Profile } from '../model/profile.js';
import type { ExportOptions } from './options.js';
import type { PageData, PageFrameKind } from './page-data.js';
import { describeProfile } from '../model/profile-summary.js';

/** The page's template and its bundled script and stylesheet (see html-assets.ts). */
export interface PageAssets {
  template: string;
  script: string;
  css: string;
}

export interface HtmlOptions extends ExportOptions {
  /** The page's heading; defaults to the profiled command, else "tsprof profile". */
  title?: string;
  /** When the profile was recorded, if the profile itself does not say (see describeProfile). */
  recordedAt?: Date;
}

/**
 * Frames narrower than this share of the whole are merged into their parent: at a full width of 2000 px they
 * would be under a pixel, and dropping them keeps a profile of 100,000 distinct stacks quick to draw.
 */
export const PRUNE_SHARE = 1 / 2000;

/** A self-contained flamegraph page: no request leaves it, so it works from file:// and offline. */
export function toHtml(profile: Profile, assets: PageAssets, options: HtmlOptions): string {
  return fillPage(assets, pageData(profile, options));
}

/** The page with `data` and the bundled script and stylesheet inlined, each escaped for where it sits. */
export function fillPage(assets: PageAssets, data: PageData): string {
  return fillTemplate(assets.template, {
    '{{TITLE}}': escapeHtml(data.title),
    '/*{{CSS}}*/': assets.css.replace(/<\/style/gi, '<\\/style'),
    '{{DATA}}': jsonForScriptBlock(data),
    '/*{{SCRIPT}}*/': assets.script.replace(/<\/script/gi, '<\\/script'),
  });
}

export function pageData(profile: Profile, options: HtmlOptions): PageData {
  const root = buildCallTree(profile);
  const summary = describeProfile(profile, options.recordedAt);
  const writer = pageDataWriter({ title: options.title ?? profile.meta.command ?? 'tsprof profile', details: summary.facts, unit: profile.unit });
  const minValue = root.total * PRUNE_SHARE;
  // One location per frame, not per call-tree node: a frame sits in many nodes, and resolving a path is slow.
  const locations = new Array<string | undefined>(profile.frames.length);
  const locationOf = (node: CallTreeNode) => (locations[node.frameId] ??= frameLocation(node.frame, options.cwd));
  const pending: [CallTreeNode, number][] = [[root, -1]];
  while (pending.length > 0) {
    const [node, parent] = pending.pop()!;
    const index = writer.addNode({
      parent,
      name: node.frameId >= 0 ? frameName(node.frame) : node.frame.name,
      location: node.frameId >= 0 ? locationOf(node) : '',
      value: node.total,
      kind: kindOf(node, parent),
    });
    for (const child of node.children) {
      if (child.total >= minValue) pending.push([child, index]);
      else
        writer.prune(
          countNodes(child, (n) => n.children),
          child.total,
        );
    }
  }
  return writer.data;
}

export interface PageDataWriter {
  data: PageData;
  /** Appends a node (parents before children) and returns its index; names and locations are interned. */
  addNode(node: { parent: number; name: string; location: string; value: number; kind: PageFrameKind }): number;
  /** Counts a subtree left out for being too narrow. */
  prune(nodes: number, weight: number): void;
}

/** An empty page's data, and the one way nodes are added to it (the normal page and the diff page). */
export function pageDataWriter(head: Pick<PageData, 'title' | 'details' | 'unit'> & Pick<Partial<PageData>, 'diff'>): PageDataWriter {
  const data: PageData = {
    ...head,
    strings: [],
    parent: [],
    name: [],
    location: [],
    value: [],
    kind: [],
    pruned: { nodes: 0, weight: 0, minShare: PRUNE_SHARE },
  };
  const stringIndex = new Map<string, number>();
  const intern = (text: string) => {
    let index = stringIndex.get(text);
    if (index === undefined) {
      index = data.strings.length;
      data.strings.push(text);
      stringIndex.set(text, index);
    }
    return index;
  };
  return {
    data,
    addNode: (node) => {
      data.parent.push(node.parent);
      data.name.push(intern(node.name));
      data.location.push(node.location ? intern(node.location) : -1);
      data.value.push(node.value);
      data.kind.push(node.kind);
      return data.parent.length - 1;
    },
    prune: (nodes, weight) => {
      data.pruned.nodes += nodes;
      data.pruned.weight += weight;
    },
  };
}

function kindOf(node: CallTreeNode, parentIndex: number): PageFrameKind {
  if (parentIndex === -1) return 'root';
  if (node.threadIndex !== undefined) return 'thread';
  return frameKind(node.frame);
}

/** How many nodes a subtree holds, without recursion (stacks can be thousands deep). */
export function countNodes<T>(node: T, children: (node: T) => Iterable<T>): number {
  let count = 0;
  const pending = [node];
  while (pending.length > 0) {
    count++;
    for (const child of children(pending.pop()!)) pending.push(child);
  }
  return count;
}

/**
 * Puts each value in place of its marker, in one pass over the template: a value is never searched, so text
 * from the profile that looks like a marker (a frame named like the script's marker, a file named
 * `{{DATA}}.folded`) stays text, and String.replace's `$&` patterns do not apply.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  const places = Object.keys(values).map((marker) => {
    const at = template.indexOf(marker);
    if (at === -1) throw new Error(`flamegraph template has no ${marker} marker`);
    return { at, marker };
  });
  places.sort((a, b) => a.at - b.at);
  let result = '';
  let from = 0;
  for (const { at, marker } of places) {
    result += template.slice(from, at) + values[marker];
    from = at + marker.length;
  }
  return result + template.slice(from);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` become \u escapes, so a frame
 * named `</script><script>alert(1)</script>` cannot end the block, and U+2028/2029 cannot end a line.
 */
export function jsonForScriptBlock(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
