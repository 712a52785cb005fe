// Builds tsprof: TypeScript to dist/ with tsc, then the flamegraph page's script and stylesheet (with
// d3-flame-graph and the d3 modules it needs) into dist/page/ with esbuild, for the HTML writer to inline.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
await build({
  entryPoints: ['src/page/flamegraph-page.ts'],
  outfile: 'dist/page/flamegraph-page.js',
  bundle: true,
  format: 'iife',
  // TSPROF_PAGE_DEBUG=1 keeps the page's names readable, to profile the page itself in Chromium.
  minify: process.env.TSPROF_PAGE_DEBUG !== '1',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
