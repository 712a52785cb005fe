import { Profile as PprofProfile, StringTable, type LabelInput } from 'pprof-format';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
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
  // A memory profile's object counts go beside its bytes (when it has them).
  const objects = profile.unit === 'bytes' ? profile.samples.objects : undefined;
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
  // The innermost frame of a sample whose executing line is known gets a location at that line (as pprof
  // locations are lines of code), so that `go tool pprof -list` shows each line's cost.
  const locations = [...locationOfFrame];
  const lineLocations = new Map<string, number>();
  const locationAt = (frameId: number, line: number): number => {
    if (!line) return frameId + 1;
    const key = `${frameId}:${line}`;
    let id = lineLocations.get(key);
    if (id === undefined) {
      id = locations.length + 1;
      lineLocations.set(key, id);
      locations.push({ id, line: [{ functionId: locationOfFrame[frameId]!.line[0]!.functionId, line }] });
    }
    return id;
  };

  const labelled = profile.threads.length > 1;
  const samples: { locationId: number[]; value: number[]; label: LabelInput[] }[] = [];
  const labels = profile.threads.map((info): LabelInput[] => {
    if (!labelled) return [];
    const label: LabelInput[] = [{ key: strings.dedup('thread'), str: strings.dedup(info.name) }];
    if (info.pid !== undefined) label.push({ key: strings.dedup('pid'), num: info.pid });
    return label;
  });
  for (const { thread, stackId, line, weight, objectCount } of samplesByThreadStackLine(profile, objects)) {
    const locationId = [locationAt(profile.stacks.frame[stackId]!, line)];
    for (let s = profile.stacks.prefix[stackId]!; s !== -1; s = profile.stacks.prefix[s]!) locationId.push(profile.stacks.frame[s]! + 1); // leaf first
    const value =
      profile.unit === 'bytes'
        ? [...(objects ? [Math.round(objectCount)] : []), Math.round(weight)]
        : timeUnit
          ? [Math.max(1, Math.round((weight * 1000) / intervalNs)), Math.round(weight * 1000)]
          : [Math.round(weight), Math.round(weight * intervalNs)];
    samples.push({ locationId, value, label: labels[thread] ?? [] });
  }

  const encoded = new PprofProfile({
    sampleType,
    sample: samples,
    location: locations,
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

/** The profile's samples summed per thread, stack and executing line (0: not known), in first-seen order. */
function samplesByThreadStackLine(
  profile: Profile,
  objects: Float64Array | undefined,
): { thread: number; stackId: number; line: number; weight: number; objectCount: number }[] {
  const { stack, weight, thread, line, length } = profile.samples;
  const sums = new Map<string, { thread: number; stackId: number; line: number; weight: number; objectCount: number }>();
  for (let i = 0; i < length; i++) {
    const at = line?.[i] ?? 0;
    const key = `${thread[i]}:${stack[i]}:${at}`;
    let sum = sums.get(key);
    if (!sum) sums.set(key, (sum = { thread: thread[i]!, stackId: stack[i]!, line: at, weight: 0, objectCount: 0 }));
    sum.weight += weight[i]!;
    sum.objectCount += objects?.[i] ?? 0;
  }
  return [...sums.values()];
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
