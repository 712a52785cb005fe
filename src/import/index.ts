import type { Profile as PprofProfile } from 'pprof-format';
import { gunzipSync } from 'node:zlib';
import { ProfileLimitError } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import { decodePprof, importPprof } from './pprof.js';
import { importFolded, looksLikeFolded } from './folded.js';
import { ProfileFormatError } from './format-error.js';
import type { ImportOptions } from './options.js';
import { importSpeedscope, looksLikeSpeedscope } from './speedscope.js';
import { importCpuprofile, looksLikeCpuprofile } from './v8-cpuprofile.js';
import { importHeapprofile, looksLikeHeapprofile } from './v8-heapprofile.js';
import { formatCount } from '../model/format-count.js';
import { formatOfName, type InputFormat } from '../model/formats.js';

export type { InputFormat } from '../model/formats.js';

export { ProfileFormatError } from './format-error.js';
export type { ImportOptions } from './options.js';

/** The format a file name suggests, if any (model/formats.ts). */
function formatFromName(name: string): InputFormat | undefined {
  return formatOfName(name, 'input') as InputFormat | undefined;
}

/** What sniffing the bytes found: the format (when recognised) and the decoded text or JSON, to parse once. */
interface Sniffed {
  format?: InputFormat;
  text: string;
  /** Bytes that were not UTF-8, read as U+FFFD (a Latin-1 name in a perf script's output, say). */
  notUtf8?: number;
  /** Folded text too large for one string, to be read a line at a time. */
  bytes?: Uint8Array;
  json?: unknown;
  pprof?: PprofProfile;
}

function sniff(compressed: Uint8Array): Sniffed {
  if (compressed.length === 0) throw new ProfileFormatError('the file is empty');
  // Gzip (pprof files always are; any other format may be): decompressed first, then read as usual.
  const bytes = compressed[0] === 0x1f && compressed[1] === 0x8b ? gunzip(compressed) : compressed;
  const pprof = looksBinary(bytes) ? decodePprof(bytes) : undefined;
  if (pprof) return { format: 'pprof', text: '', pprof };
  if (bytes.length > LARGE_TEXT_BYTES) return sniffLargeText(bytes);
  let text: string;
  let notUtf8 = 0;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // Text that is not all UTF-8 is read leniently: each bad sequence becomes U+FFFD and is counted.
    const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
    notUtf8 = countReplacements(lenient) - countGenuineReplacements(bytes);
    text = lenient;
  }
  if (text.includes('\u0000')) throw new ProfileFormatError('the file contains NUL bytes: it is binary data, not a profile tsprof reads');
  const start = text.search(/\S/);
  if (start === -1) throw new ProfileFormatError('the file holds only white space');
  if (text[start] === '{' || text[start] === '[') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ProfileFormatError(`the file is not valid JSON (${(error as Error).message})`);
    }
    if (looksLikeSpeedscope(json)) return { format: 'speedscope', text, json, notUtf8 };
    if (looksLikeCpuprofile(json)) return { format: 'cpuprofile', text, json, notUtf8 };
    if (looksLikeHeapprofile(json)) return { format: 'heapprofile', text, json, notUtf8 };
    return { text, json, notUtf8 };
  }
  return looksLikeFolded(text) ? { format: 'folded', text, notUtf8 } : { text, notUtf8 };
}

/** U+FFFD written in the file itself (EF BF BD), which are not decoding errors. */
function countGenuineReplacements(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let at = buffer.indexOf('\uFFFD'); at !== -1; at = buffer.indexOf('\uFFFD', at + 3)) count++;
  return count;
}

/** Past this size text is not made into one string (V8's limit is 512 MiB): folded text is read by lines. */
const LARGE_TEXT_BYTES = 256 * 1024 * 1024;

function sniffLargeText(bytes: Uint8Array): Sniffed {
  if (bytes.indexOf(0) !== -1) throw new ProfileFormatError('the file contains NUL bytes: it is binary data, not a profile tsprof reads');
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64 * 1024));
  const start = head.search(/\S/);
  const megabytes = formatCount(bytes.length / 2 ** 20);
  if (head[start] === '{' || head[start] === '[')
    throw new ProfileFormatError(
      `the file is ${megabytes} MB of JSON; tsprof reads JSON profiles of up to ${LARGE_TEXT_BYTES / 2 ** 20} MB (folded text and pprof of any size)`,
    );
  if (!looksLikeFolded(head)) throw new ProfileFormatError(NOT_A_PROFILE);
  return { format: 'folded', text: '', bytes };
}

/** What a file that is no profile at all is told, with the kinds tsprof reads. */
const NOT_A_PROFILE = 'the file is not a profile tsprof reads (.cpuprofile, .heapprofile, speedscope JSON, folded "frame;frame COUNT" lines or pprof)';

function countReplacements(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\uFFFD'); at !== -1; at = text.indexOf('\uFFFD', at + 1)) count++;
  return count;
}

/** Detection by content first, by name second; undefined when neither says. */
export function detectFormat(bytes: Uint8Array, fileName = ''): InputFormat | undefined {
  return sniff(bytes).format ?? formatFromName(fileName);
}

/** Reads a profile from `bytes`, whatever the format. Throws ProfileFormatError for anything it cannot read. */
export function importProfile(bytes: Uint8Array, options: ImportOptions & { fileName?: string } = {}): { profile: Profile; format: InputFormat } {
  try {
    return importAnyFormat(bytes, options);
  } catch (error) {
    if (error instanceof ProfileLimitError) throw new ProfileFormatError(error.message);
    throw error;
  }
}

function importAnyFormat(bytes: Uint8Array, options: ImportOptions & { fileName?: string }): { profile: Profile; format: InputFormat } {
  const sniffed = sniff(bytes);
  const format = sniffed.format ?? formatFromName(options.fileName ?? '');
  if (sniffed.notUtf8) options.onWarning?.(`${sniffed.notUtf8} byte sequence${sniffed.notUtf8 === 1 ? ' is' : 's are'} not UTF-8 and read as U+FFFD`);
  if (format === undefined) {
    throw new ProfileFormatError(
      sniffed.json !== undefined ? 'the file is JSON but not a V8 .cpuprofile, V8 .heapprofile or speedscope profile' : NOT_A_PROFILE,
    );
  }
  return { format, profile: READERS[format](sniffed, options) };
}

/** The reader of each format tsprof reads (the formats themselves: model/formats.ts). */
const READERS: Record<InputFormat, (sniffed: Sniffed, options: ImportOptions) => Profile> = {
  cpuprofile: (sniffed, options) => importCpuprofile(sniffed.json ?? parseJson(sniffed.text), options),
  speedscope: (sniffed) => importSpeedscope(sniffed.json ?? parseJson(sniffed.text)),
  heapprofile: (sniffed) => importHeapprofile(sniffed.json ?? parseJson(sniffed.text)),
  folded: (sniffed, options) => {
    if (sniffed.json !== undefined) throw new ProfileFormatError('the file is JSON, not folded stacks');
    return importFolded(sniffed.bytes ?? sniffed.text, options);
  },
  pprof: (sniffed) => {
    if (!sniffed.pprof) throw new ProfileFormatError('the file is not a pprof profile (profile.proto, usually gzipped)');
    return importPprof(sniffed.pprof);
  },
};

/**
 * The most a gzip-compressed profile may unpack to, as large as the largest JSON profile read: a small file
 * can unpack to gigabytes (a "gzip bomb"), and zlib stops at this size rather than fill the memory.
 */
const MAX_UNPACKED_BYTES = LARGE_TEXT_BYTES;

function gunzip(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ProfileFormatError(
        `the file is gzip-compressed and unpacks to more than ${MAX_UNPACKED_BYTES / 2 ** 20} MB, ` +
          `the most tsprof unpacks (${formatCount(bytes.length / 2 ** 20)} MB packed)`,
      );
    throw new ProfileFormatError(`the file looks gzip-compressed but does not decompress (${(error as Error).message})`);
  }
}

/** Text profiles have no control bytes but tabs and line breaks; profile.proto starts with a field tag. */
function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 64);
  return head.some((byte) => byte < 0x09 || (byte > 0x0d && byte < 0x20));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ProfileFormatError(`the file is not valid JSON (${(error as Error).message})`);
  }
}
