import { Profile as PprofProfile } from 'pprof-format';
import { MAX_STACK_DEPTH, ProfileBuilder } from '../model/builder.js';
import type { Frame, Profile, WeightUnit } from '../model/profile.js';
import { ProfileFormatError } from './format-error.js';
import { MAX_POSITION } from './json-checks.js';
import { formatCount } from '../model/format-count.js';

/**
 * pprof's profile.proto (decompressed by the caller), as Go, pprof-nodejs, Pyroscope, Parca and tsprof write
 * it. The sample type read: `samples`/`count` when there is one (counts), else the first of CPU or wall time
 * in nanoseconds (time, in microseconds), else the first (bytes for memory profiles). A location's lines are
 * its inlined frames, innermost first; each becomes a frame, at its function's start line. A `thread` label, when samples carry one, splits
 * the profile into threads.
 */

/** Whether `bytes` decode as a pprof profile: a string table that starts with "" and at least one sample type. */
export function decodePprof(bytes: Uint8Array): PprofProfile | undefined {
  try {
    const decoded = PprofProfile.decode(bytes);
    return decoded.sampleType.length > 0 && decoded.stringTable.strings[0] === '' ? decoded : undefined;
  } catch {
    return undefined;
  }
}

export function importPprof(pprof: PprofProfile): Profile {
  const strings = pprof.stringTable.strings;
  // A file cut short still decodes as protobuf, with its tables missing: references into them say so.
  const text = (index: number | bigint) => {
    const at = Number(index);
    if (at >= strings.length || at < 0)
      throw new ProfileFormatError(`string ${at} is beyond the string table (${strings.length} strings): the file is cut short or damaged`);
    return strings[at]!;
  };
  const types = pprof.sampleType.map((type) => ({ type: text(type.type), unit: text(type.unit) }));
  const pick = (test: (t: { type: string; unit: string }) => boolean) => types.findIndex(test);
  // The profile's own default (Go's heap profiles name inuse_space, as `go tool pprof` shows them), else
  // samples, else CPU time, else the first.
  const preferred = Number(pprof.defaultSampleType) > 0 ? text(pprof.defaultSampleType) : '';
  let index = preferred ? pick((t) => t.type === preferred) : -1;
  let unit: WeightUnit = 'samples';
  let scale = 1;
  if (index !== -1) {
    const chosen = types[index]!;
    if (chosen.unit === 'bytes') unit = 'bytes';
    else if (chosen.unit === 'nanoseconds') {
      unit = 'microseconds';
      scale = 1 / 1000;
    }
  } else index = pick((t) => t.type === 'samples' && t.unit === 'count');
  if (index === -1) {
    index = pick((t) => (t.type === 'cpu' || t.type === 'wall') && t.unit === 'nanoseconds');
    if (index !== -1) {
      unit = 'microseconds';
      scale = 1 / 1000;
    } else {
      index = 0;
      if (types[0]!.unit === 'bytes') unit = 'bytes';
    }
  }

  // A heap profile's object counts go with its bytes: inuse_objects with inuse_space, as Go pairs them.
  const chosenType = types[index]!.type;
  const objectsIndex = unit === 'bytes' && chosenType.endsWith('_space') ? pick((t) => t.type === `${chosenType.slice(0, -'_space'.length)}_objects`) : -1;

  const functions = new Map(pprof.function.map((f) => [Number(f.id), f]));
  const builder = new ProfileBuilder(unit);
  const framesOfLocation = new Map<number, number[]>();
  // The line each location was executing (its innermost line): a sample's innermost location gives its line.
  const executingLineOfLocation = new Map<number, number>();
  for (const location of pprof.location) {
    // Lines are innermost first; a stack is root first.
    const ids = [...location.line].reverse().map((line) => {
      const fn = functions.get(Number(line.functionId));
      if (!fn && Number(line.functionId) !== 0)
        throw new ProfileFormatError(
          `location ${location.id} names function ${line.functionId}, which the profile does not have: the file is cut short or damaged`,
        );
      const frame: Frame = { name: fn ? text(fn.name) || text(fn.systemName) : `0x${location.address.toString(16)}` };
      const file = fn ? text(fn.filename) : '';
      if (file) Object.assign(frame, { file });
      // tsprof's frames are functions, named by where they start (as V8's are): a location's own line would
      // split one function into a row per line sampled, so without a start line the frame has no line.
      const lineNumber = fn ? Number(fn.startLine) : 0;
      if (lineNumber > 0) Object.assign(frame, { line: lineNumber });
      return builder.internFrame(frame);
    });
    if (ids.length === 0) ids.push(builder.internFrame({ name: `0x${location.address.toString(16)}` }));
    framesOfLocation.set(Number(location.id), ids);
    const executing = Number(location.line[0]?.line ?? 0);
    if (executing > 0 && executing < MAX_POSITION) executingLineOfLocation.set(Number(location.id), executing);
  }

  const threadKey = strings.indexOf('thread');
  const pidKey = strings.indexOf('pid');
  const threads = new Map<string, number>();
  for (const sample of pprof.sample) {
    const weight = sampleValue(sample.value[index] ?? 0) * scale;
    if (!(weight > 0)) continue;
    const frameIds: number[] = [];
    for (let i = sample.locationId.length - 1; i >= 0; i--) {
      const ids = framesOfLocation.get(Number(sample.locationId[i]));
      if (!ids) throw new ProfileFormatError(`a sample names location ${sample.locationId[i]}, which the profile does not have`);
      // Checked before the stack is built: a few locations of many inlined lines can ask for billions of frames.
      if (frameIds.length + ids.length > MAX_STACK_DEPTH)
        throw new ProfileFormatError(`a sample's stack is deeper than ${formatCount(MAX_STACK_DEPTH)} frames`);
      for (const id of ids) frameIds.push(id);
    }
    const threadLabel = threadKey > 0 ? sample.label.find((l) => Number(l.key) === threadKey) : undefined;
    let thread = 0;
    if (threadLabel) {
      const name = text(threadLabel.str);
      let id = threads.get(name);
      if (id === undefined) {
        const pid = pidKey > 0 ? sample.label.find((l) => Number(l.key) === pidKey) : undefined;
        id = builder.addThread({ name, ...(pid ? { pid: Number(pid.num) } : {}) });
        threads.set(name, id);
      }
      thread = id;
    }
    const objects = objectsIndex === -1 ? undefined : sampleValue(sample.value[objectsIndex] ?? 0);
    const line = sample.locationId.length > 0 ? executingLineOfLocation.get(Number(sample.locationId[0])) : undefined;
    builder.addSample(builder.stackOf(frameIds), weight, { thread, ...(objects !== undefined ? { objects } : {}), ...(line ? { line } : {}) });
  }
  const periodUnit = pprof.periodType ? text(pprof.periodType.unit) : '';
  const period = Number(pprof.period);
  // Go's names say which bytes a heap profile holds: inuse_space, alloc_space.
  const heapType = unit === 'bytes' ? types[index]!.type : '';
  const heap = heapType.startsWith('inuse') ? 'inuse' : heapType.startsWith('alloc') ? 'allocated' : undefined;
  return builder.build({
    source: 'pprof',
    ...(heap ? { heap } : {}),
    ...(periodUnit === 'nanoseconds' && period > 0 ? { intervalUs: period / 1000 } : {}),
    ...(heap && periodUnit === 'bytes' && period > 0 ? { heapIntervalBytes: period } : {}),
    ...(Number(pprof.timeNanos) > 0 ? { startTime: Number(BigInt(pprof.timeNanos) / 1_000_000n) } : {}),
    ...(Number(pprof.durationNanos) > 0 ? { durationUs: Number(pprof.durationNanos) / 1000 } : {}),
  });
}

/** A sample value as profile.proto has it (int64): negative values and values beyond 2^53 make no sense here. */
function sampleValue(raw: number | bigint): number {
  const value = typeof raw === 'bigint' ? BigInt.asIntN(64, raw) : BigInt(Math.trunc(raw));
  if (value < 0n) throw new ProfileFormatError(`a sample has the negative value ${value}`);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProfileFormatError(`a sample has the value ${value}, beyond 2^53`);
  return Number(value);
}
