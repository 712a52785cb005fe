import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PageAssets } from './html.js';

/** Where the package's own files are: this module lives in dist/export/. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

let cached: PageAssets | undefined;

/** Reads the page template and the script and stylesheet esbuild bundled at build time (npm run build). */
export function loadPageAssets(): PageAssets {
  if (!cached) {
    try {
      cached = {
        template: readFileSync(`${packageRoot}templates/flamegraph.html`, 'utf8'),
        script: readFileSync(`${packageRoot}dist/page/flamegraph-page.js`, 'utf8'),
        css: readFileSync(`${packageRoot}dist/page/flamegraph-page.css`, 'utf8'),
      };
    } catch (error) {
      throw new Error(`the flamegraph page is not built (${(error as Error).message}); run npm run build`);
    }
  }
  return cached;
}
