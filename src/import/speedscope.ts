import { ProfileBuilder, ROOT_STACK } from '../model/builder.js';
import type { Frame, Profile, WeightUnit } from '../model/profile.js';
import { ProfileFormatError } from './format-error.js';
import { expectArray, expectFinite, expectInteger, expectObject, isObject, MAX_POSITION, optionalString, quote, type JsonObject } from './json-checks.js';

/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json): shared frames and one or
 * more profiles, each `sampled` (stacks of frame indexes with weights) or `evented` (open/close events).
 * Each profile becomes a thread of its own. Time units are normalised to microseconds; frames' line and
 * column are taken as 1-based, as py-spy, rbspy and tsprof write them.
 */

export const SPEEDSCOPE_SCHEMA_URL = 'https://www.speedscope.app/file-format-schema.json';

export function looksLikeSpeedscope(json: unknown): boolean {
  return isObject(json) && (json.$schema === SPEEDSCOPE_SCHEMA_URL || (isObject(json.shared) && Array.isArray(json.profiles)));
}

/** Microseconds per unit, for the time units speedscope knows. */
const MICROSECONDS_PER: Record<string, number> = { nanoseconds: 1e-3, microseconds: 1, milliseconds: 1e3, seconds: 1e6 };

function unitOf(unit: unknown, what: string): { unit: WeightUnit; scale: number } {
  if (typeof unit === 'string' && unit in MICROSECONDS_PER) return { unit: 'microseconds', scale: MICROSECONDS_PER[unit]! };
  if (unit === 'none') return { unit: 'samples', scale: 1 };
  if (unit === 'bytes') return { unit: 'bytes', scale: 1 };
  throw new ProfileFormatError(`${what} has unknown unit ${quote(unit)}`);
}

export function importSpeedscope(json: unknown): Profile {
  const file = expectObject(json, 'the file');
  const shared = expectObject(file.shared, '"shared"');
  const frames = expectArray(shared.frames, '"shared.frames"').map((raw, i) => readFrame(raw, i));
  const profiles = expectArray(file.profiles, '"profiles"').map((raw, i) => expectObject(raw, `profile ${i}`));
  if (profiles.length === 0) throw new ProfileFormatError('"profiles" is empty');

  // A profile's weights all share one unit, so every profile in the file must agree on it.
  const units = profiles.map((p, i) => unitOf(p.unit, `profile ${i}`));
  if (units.some((u) => u.unit !== units[0]!.unit)) {
    throw new ProfileFormatError('the profiles mix units (time, bytes or counts); tsprof keeps one unit per profile');
  }

  const builder = new ProfileBuilder(units[0]!.unit);
  const frameIds = frames.map((frame) => builder.internFrame(frame));
  let durationUs = 0;
  profiles.forEach((profile, i) => {
    const what = `profile ${i}`;
    const thread = builder.addThread({ name: optionalString(profile.name, `${what} "name"`) || `profile ${i}` });
    const scale = units[i]!.scale;
    const start = expectFinite(profile.startValue ?? 0, `${what} "startValue"`);
    const end = expectFinite(profile.endValue ?? start, `${what} "endValue"`);
    if (units[i]!.unit === 'microseconds') durationUs = Math.max(durationUs, (end - start) * scale);
    if (profile.type === 'sampled') readSampled(profile, what, frameIds, scale, thread, builder);
    else if (profile.type === 'evented') readEvented(profile, what, frameIds, scale, start, end, thread, builder);
    else throw new ProfileFormatError(`${what} has unknown type ${quote(profile.type)}`);
  });
  return builder.build({ source: 'speedscope', ...(durationUs > 0 ? { durationUs } : {}) });
}

function readFrame(raw: unknown, i: number): Frame {
  const what = `frame ${i}`;
  const frame = expectObject(raw, what);
  const name = optionalString(frame.name, `${what} "name"`);
  if (name === undefined) throw new ProfileFormatError(`${what} has no "name"`);
  const result: { name: string; file?: string; line?: number; col?: number } = { name };
  const file = optionalString(frame.file, `${what} "file"`);
  if (file !== undefined) result.file = file;
  if (frame.line !== undefined && frame.line !== null) result.line = expectInteger(frame.line, `${what} "line"`, 0, MAX_POSITION);
  if (frame.col !== undefined && frame.col !== null) result.col = expectInteger(frame.col, `${what} "col"`, 0, MAX_POSITION);
  return result;
}

function frameIdAt(index: unknown, frameIds: number[], what: string): number {
  const id = frameIds[expectInteger(index, what, 0, Math.max(0, frameIds.length - 1))];
  if (id === undefined) throw new ProfileFormatError(`${what} refers to a frame that does not exist`);
  return id;
}

function readSampled(profile: JsonObject, what: string, frameIds: number[], scale: number, thread: number, builder: ProfileBuilder): void {
  const samples = expectArray(profile.samples, `${what} "samples"`);
  const weights = expectArray(profile.weights, `${what} "weights"`);
  if (weights.length !== samples.length) {
    throw new ProfileFormatError(`${what} has ${samples.length} samples but ${weights.length} weights`);
  }
  samples.forEach((raw, i) => {
    const stack = expectArray(raw, `${what} sample ${i}`);
    let stackId = ROOT_STACK;
    for (const index of stack) stackId = builder.childStack(stackId, frameIdAt(index, frameIds, `${what} sample ${i}`));
    const weight = expectFinite(weights[i], `${what} weight ${i}`);
    if (weight < 0) throw new ProfileFormatError(`${what} weight ${i} is negative`);
    if (weight > 0) builder.addSample(stackId, weight * scale, { thread });
  });
}

/** Turns open/close events into one sample per interval between events, weighted by its length. */
function readEvented(
  profile: JsonObject,
  what: string,
  frameIds: number[],
  scale: number,
  start: number,
  end: number,
  thread: number,
  builder: ProfileBuilder,
): void {
  const events = expectArray(profile.events, `${what} "events"`);
  const openFrames: number[] = [];
  const openStacks: number[] = [];
  let last = start;
  const emit = (at: number) => {
    const stack = openStacks.length > 0 ? openStacks[openStacks.length - 1]! : ROOT_STACK;
    if (at > last) builder.addSample(stack, (at - last) * scale, { thread });
    last = Math.max(last, at);
  };
  events.forEach((raw, i) => {
    const event = expectObject(raw, `${what} event ${i}`);
    const at = expectFinite(event.at, `${what} event ${i} "at"`);
    if (at < last) throw new ProfileFormatError(`${what} event ${i} goes back in time (${at} after ${last})`);
    const frame = frameIdAt(event.frame, frameIds, `${what} event ${i} "frame"`);
    emit(at);
    if (event.type === 'O') {
      openStacks.push(builder.childStack(openStacks.length > 0 ? openStacks[openStacks.length - 1]! : ROOT_STACK, frame));
      openFrames.push(frame);
    } else if (event.type === 'C') {
      if (openFrames[openFrames.length - 1] !== frame) throw new ProfileFormatError(`${what} event ${i} closes a frame that is not the innermost open one`);
      openFrames.pop();
      openStacks.pop();
    } else {
      throw new ProfileFormatError(`${what} event ${i} has unknown type ${quote(event.type)}`);
    }
  });
  emit(end);
}
