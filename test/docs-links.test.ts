import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';

/** The README is the front door: every page of docs/ is one link away from it, and no link leads nowhere. */

const pages = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];

/** The targets of a markdown file's relative links and images, outside code blocks and spans. */
function relativeLinks(page: string): string[] {
  const text = readFileSync(join(repoRoot, page), 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^(https?:|mailto:|#)/.test(target));
}

describe('documentation links', () => {
  it('every relative link in the README and docs/ names a file that exists', () => {
    const broken = pages.flatMap((page) =>
      relativeLinks(page)
        .map((target) => target.replace(/#.*$/, ''))
        .filter((target) => !existsSync(join(repoRoot, dirname(page), target)))
        .map((target) => `${page}: ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const linked = new Set(relativeLinks('README.md').map((target) => relative('.', target.replace(/#.*$/, ''))));
    expect(pages.filter((page) => page !== 'README.md' && !linked.has(page))).toEqual([]);
  });
});
