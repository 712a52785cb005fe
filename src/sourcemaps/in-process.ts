import { heldSourceMap } from '../preload/held-source-map.cjs';
import type { Profile } from '../model/profile.js';
import { ScriptMaps } from './script-maps.js';

/**
 * Source maps for a profile taken inside this very process: the maps Node holds (a loader such as tsx
 * registers those of the code it transformed in memory) first, the ones on disk second.
 */
export function inProcessScriptMaps(profile: Profile): ScriptMaps {
  const held = new Map<string, unknown>();
  for (const file of new Set(profile.frames.map((frame) => frame.file))) {
    if (!file || file.startsWith('node:')) continue;
    const map = heldSourceMap(file);
    if (map !== undefined) held.set(file, map);
  }
  return new ScriptMaps(held);
}
