import type { CdpTarget } from './cdp-connection.js';

/**
 * The source maps an attached process holds for the scripts a profile names, by script URL: what
 * `module.findSourceMap` answers inside it (a loader such as tsx transformed those scripts in memory, so
 * nothing on disk maps them). Asked through the inspector's command-line API, whose `require` reaches
 * Node's modules; reads only. Empty when the process cannot tell (no maps, or the inspector refused). The
 * lookup is preload/held-source-map.cts's, written out as code: it runs in the other process.
 */
export async function fetchSourceMaps(target: CdpTarget, urls: Iterable<string>): Promise<Map<string, unknown>> {
  const scripts = [...new Set(urls)].filter((url) => url !== '' && !url.startsWith('node:'));
  if (scripts.length === 0) return new Map();
  const expression = `(() => {
    const { findSourceMap } = require('node:module');
    const { fileURLToPath } = require('node:url');
    const maps = {};
    for (const url of ${JSON.stringify(scripts)}) {
      try {
        const map = findSourceMap(url) ?? (url.startsWith('file://') ? findSourceMap(fileURLToPath(url)) : undefined);
        if (map) maps[url] = map.payload;
      } catch {}
    }
    return maps;
  })()`;
  try {
    const maps = await target.evaluate(expression, { commandLineAPI: true, timeoutMs: 10_000 });
    return new Map(Object.entries((maps ?? {}) as Record<string, unknown>));
  } catch {
    return new Map();
  }
}
