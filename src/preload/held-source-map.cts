import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The source map Node holds for a script of this process, by the URL V8 names it with (a path for CommonJS,
 * a file URL for ES modules), or undefined. A loader such as tsx registers the maps of what it transformed
 * in memory; Node finds them only when source maps are enabled. Used by the preload and by the in-process
 * profiler (src/sourcemaps/in-process.ts); attach/remote-source-maps.ts sends the same lookup as code.
 */
export function heldSourceMap(url: string): unknown {
  try {
    return (findSourceMap(url) ?? (url.startsWith('file://') ? findSourceMap(fileURLToPath(url)) : undefined))?.payload;
  } catch {
    return undefined; // no map for this script
  }
}
