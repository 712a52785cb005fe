import type { Profile } from '../model/profile.js';
import { describeProfile } from '../model/profile-summary.js';
import type { ExportOptions } from './options.js';
import type { PageData } from './page-data.js';
import { pageProfile } from './page-profile.js';
import { pageSources } from './page-sources.js';

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
  /** Reads a source file's lines, for the panel of a selected function's hot lines; absent: no sources. */
  readSourceLines?: (file: string) => string[] | undefined;
}

/**
 * Frames narrower than this share of what is shown are merged into their caller when the graph is drawn: at
 * a full width of 2000 px they would be under a pixel, and leaving them out keeps a profile of 100,000
 * distinct stacks quick to draw. Tables, search and ranges still count them.
 */
export const PRUNE_SHARE = 1 / 1000;

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
  const summary = describeProfile(profile, options.recordedAt);
  const { strings, intern } = interner();
  const title = options.title ?? profile.meta.command ?? 'tsprof profile';
  const data: PageData = { title, details: summary.facts, unit: profile.unit, strings, minShare: PRUNE_SHARE };
  data.profile = pageProfile(profile, options.cwd, intern);
  const sources = options.readSourceLines ? pageSources(profile, options.readSourceLines) : [];
  if (sources.length > 0) {
    data.sources = sources;
    data.details = [...data.details, `source of ${sources.length} function${sources.length === 1 ? '' : 's'} inside`];
  }
  return data;
}

/** A string table: each distinct string once, referenced by its index. */
export function interner(): { strings: string[]; intern: (text: string) => number } {
  const strings: string[] = [];
  const index = new Map<string, number>();
  return {
    strings,
    intern: (text) => {
      let at = index.get(text);
      if (at === undefined) {
        at = strings.length;
        strings.push(text);
        index.set(text, at);
      }
      return at;
    },
  };
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
