import { Profile as PprofProfile, StringTable, type LabelInput } from 'pprof-format';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { weightByThreadStack } from '../model/call-tree.js';
import { frameName } from '../model/frame-display.js';
import { checkStacksWritten } from './output-size.js';
import type { Frame, Profile } from '../model/profile.js';

/**
 * pprof's profile.proto, gzipped, as `go tool pprof`, Pyroscope, Parca and profefe read it. Two sample types,
 * `samples/count` and `cpu/nanoseconds` (the count times the sampling period), one function per distinct
 * name and file (with its start line), one location per frame, and, when the profile has several threads,
 * a `thread` label (and `pid`) on each sample. Paths stay absolute, as pprof tools expect.
 */
const HEAP_SAMPLE_TYPES = {
  allocated: { objects: 'alloc_objects', space: 'alloc_space' },
  inuse: { objects: 'inuse_objects', space: 'inuse_space' },
  unknown: { objects: 'objects', space: 'space' },
} as const;

export function toPprof(profile: Profile): Uint8Array {
  checkStacksWritten(profile, 'pprof');
  const strings = new StringTable();
  const intervalNs = Math.round((profile.meta.intervalUs ?? 1000) * 1000);
  const timeUnit = profile.unit === 'microseconds';
  const heapTypes = HEAP_SAMPLE_TYPES[profile.meta.heap ?? 'unknown'];
  // A memory profile's object counts, summed per thread and stack as the bytes are (when it has them).
  const objects = profile.unit === 'bytes' && profile.samples.objects ? weightByThreadStack(profile, profile.samples.objects) : undefined;
  const sampleType =
    profile.unit === 'bytes'
      ? // Go's names (go tool pprof -sample_index=inuse_space) when the profile says which bytes it holds.
        [
          ...(objects ? [{ type: strings.dedup(heapTypes.objects), unit: strings.dedup('count') }] : []),
          { type: strings.dedup(heapTypes.space), unit: strings.dedup('bytes') },
        ]
      : [
          { type: strings.dedup('samples'), unit: strings.dedup('count') },
          { type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') },
        ];

  const functionIds = new Map<string, number>();
  const functions: { id: number; name: number; systemName: number; filename: number; startLine: number }[] = [];
  const locationOfFrame = profile.frames.map((frame, index) => {
    const file = filePath(frame);
    const key = `${frameName(frame)}\u0000${file}`;
    let functionId = functionIds.get(key);
    if (functionId === undefined) {
      functionId = functions.length + 1;
      functionIds.set(key, functionId);
      const name = strings.dedup(frameName(frame));
      functions.push({ id: functionId, name, systemName: name, filename: strings.dedup(file), startLine: frame.line ?? 0 });
    }
    return { id: index + 1, line: [{ functionId, line: frame.line ?? 0 }] };
  });

  const labelled = profile.threads.length > 1;
  const samples: { locationId: number[]; value: number[]; label: LabelInput[] }[] = [];
  for (const [thread, byStack] of weightByThreadStack(profile)) {
    const info = profile.threads[thread];
    const label: LabelInput[] = [];
    if (labelled && info) {
      label.push({ key: strings.dedup('thread'), str: strings.dedup(info.name) });
      if (info.pid !== undefined) label.push({ key: strings.dedup('pid'), num: info.pid });
    }
    for (const [stackId, weight] of byStack) {
      const locationId: number[] = [];
      for (let s = stackId; s !== -1; s = profile.stacks.prefix[s]!) locationId.push(profile.stacks.frame[s]! + 1); // leaf first
      const value =
        profile.unit === 'bytes'
          ? [...(objects ? [Math.round(objects.get(thread)?.get(stackId) ?? 0)] : []), Math.round(weight)]
          : timeUnit
            ? [Math.max(1, Math.round((weight * 1000) / intervalNs)), Math.round(weight * 1000)]
            : [Math.round(weight), Math.round(weight * intervalNs)];
      samples.push({ locationId, value, label });
    }
  }

  const encoded = new PprofProfile({
    sampleType,
    sample: samples,
    location: locationOfFrame,
    function: functions,
    stringTable: strings,
    ...(profile.unit === 'bytes'
      ? // Bytes first, as Go's heap profiles show them; the period says the sampling interval in bytes.
        {
          defaultSampleType: strings.dedup(heapTypes.space),
          ...(profile.meta.heapIntervalBytes
            ? { periodType: { type: strings.dedup('space'), unit: strings.dedup('bytes') }, period: profile.meta.heapIntervalBytes }
            : {}),
        }
      : { periodType: { type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }, period: intervalNs }),
    ...(profile.meta.startTime !== undefined ? { timeNanos: BigInt(Math.round(profile.meta.startTime)) * 1_000_000n } : {}),
    ...(profile.meta.durationUs !== undefined ? { durationNanos: Math.round(profile.meta.durationUs * 1000) } : {}),
  }).encode();
  return gzipSync(encoded);
}

/** The file as pprof tools show it: a path for file:// URLs, else as recorded ('' for none). */
function filePath(frame: Frame): string {
  if (!frame.file) return '';
  if (!frame.file.startsWith('file://')) return frame.file;
  try {
    return fileURLToPath(frame.file);
  } catch {
    return frame.file;
  }
}
