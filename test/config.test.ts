import { describe, expect, it } from 'vitest';
import { recordConfig, topConfig, type RecordArguments } from '../src/cli/config.js';

/** record's and top's options, validated in one place, tested without starting a process. */

const defaults: RecordArguments = { rate: 500, subprocesses: true, sampler: 'inspector', sourceMaps: true };

describe('record, configured from its options', () => {
  it('a command: every option passes through, the format name becomes a format', () => {
    expect(recordConfig(['node', 'app.js'], { ...defaults, output: 'x.json', format: 'speedscope', duration: 3, killAfter: true, tmpDir: '/t' })).toEqual({
      target: 'command',
      command: ['node', 'app.js'],
      options: {
        rate: 500,
        subprocesses: true,
        sampler: 'inspector',
        sourceMaps: true,
        output: 'x.json',
        format: 'speedscope',
        duration: 3,
        killAfter: true,
        tmpDir: '/t',
      },
    });
  });

  it('--pid: only what attaching uses is kept', () => {
    expect(recordConfig([], { ...defaults, pid: 42, output: 'p.html', idle: true, open: true })).toEqual({
      target: 'pid',
      pid: 42,
      options: { rate: 500, sourceMaps: true, output: 'p.html', format: 'html', idle: true, open: true },
    });
  });

  it('the format is worked out once, before anything runs: -f, else the ending, else folded for stdout, else the page', () => {
    const formatOf = (args: Partial<RecordArguments>) => recordConfig(['node', 'app.js'], { ...defaults, ...args }).options.format;
    expect(formatOf({ output: 'x.pb.gz' })).toBe('pprof');
    expect(formatOf({ output: 'x.txt', format: 'speedscope' })).toBe('speedscope');
    expect(formatOf({ output: '-' })).toBe('folded');
    expect(formatOf({})).toBe('html');
    expect(recordConfig([], { ...defaults, pid: 42, output: 'x.cpuprofile' }).options.format).toBe('cpuprofile');
    expect(() => formatOf({ output: 'x.svg' })).toThrow('x.svg: cannot tell the output format from the file name');
  });

  it('--heap becomes the heap settings, with the default interval unless one is given, for a command and for --pid', () => {
    expect(recordConfig(['node', 'app.js'], { ...defaults, heap: 'allocated' }).options.heap).toEqual({ kind: 'allocated', intervalBytes: 512 * 1024 });
    expect(recordConfig([], { ...defaults, pid: 42, heap: 'inuse', heapInterval: 65536 }).options.heap).toEqual({ kind: 'inuse', intervalBytes: 65536 });
    expect(recordConfig(['node', 'app.js'], defaults).options.heap).toBeUndefined();
    expect(() => recordConfig(['node', 'app.js'], { ...defaults, heapInterval: 65536 })).toThrow('--heap-interval: only with --heap');
    expect(() => recordConfig(['node', 'app.js'], { ...defaults, heap: 'allocated', output: '-' })).toThrow('give -o a file name, not -');
  });

  it('--pid with a command, or with options only a started command has, is refused naming them', () => {
    expect(() => recordConfig(['node', 'app.js'], { ...defaults, pid: 42 })).toThrow('give either --pid or a command after --, not both');
    expect(() => recordConfig([], { ...defaults, pid: 42, killAfter: true, subprocesses: false, sampler: 'v8-profiler-next' })).toThrow(
      '--kill-after, --no-subprocesses, --sampler: only for a command that tsprof starts, not with --pid',
    );
    expect(() => recordConfig([], { ...defaults, pid: 42, processFilter: 'x', tmpDir: '/t' })).toThrow('--process-filter, --tmp-dir: only for a command');
  });

  it('an unknown format is refused with the list of formats a CPU recording can be written in', () => {
    expect(() => recordConfig(['node'], { ...defaults, format: 'svg' })).toThrow(
      'unknown format "svg"; choose one of html, folded, speedscope, cpuprofile, pprof',
    );
    expect(() => recordConfig(['node'], { ...defaults, format: 'heapprofile' })).toThrow('unknown format "heapprofile"');
    expect(() => recordConfig(['node'], { ...defaults, output: 'x.heapprofile' })).toThrow(
      'x.heapprofile: a CPU recording is not written as V8 .heapprofile (sampled allocations, bytes); choose one of html,',
    );
  });
});

describe('top, configured from its options', () => {
  const options = { rate: 500, by: 'self' as const, window: 5 };
  it('watches a pid or a command, never both, never neither', () => {
    expect(topConfig([], { ...options, pid: 7 })).toEqual({ command: [], options: { ...options, pid: 7 } });
    expect(topConfig(['node', 'x.js'], options)).toEqual({ command: ['node', 'x.js'], options });
    expect(() => topConfig(['node'], { ...options, pid: 7 })).toThrow('give either --pid or a command after --, not both');
    expect(() => topConfig([], options)).toThrow('give --pid PID, or the command to run after --');
  });
});
