import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
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
    try {
      const map = findSourceMap(file) ?? (file.startsWith('file://') ? findSourceMap(fileURLToPath(file)) : undefined);
      if (map) held.set(file, map.payload);
    } catch {
      // no map for this script
    }
  }
  return new ScriptMaps(held);
}
