/**
 * Profiles the thread it runs in, with one of two samplers that drive the same V8 CPU profiler:
 * - `inspector`: an in-thread inspector session (node:inspector), which answers synchronously;
 * - `v8-profiler-next`: the native addon, optional. It crashes when asked to stop a profile it is not
 *   running, so this module never does, and when a worker exits mid-profile, so workers stop it in their
 *   exit hook and before terminate() (see preload.cts).
 * Either way a chunk can be cut (stop, restart, write) or the final one written at any moment, even inside
 * an exit handler. Chunks are V8 profiles with V8's 0-based lines, written atomically to the session folder.
 */
import * as inspector from 'node:inspector';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chunkFileName, writeFileAtomic, type AgentConfig } from './session-files.cjs';

export interface ThreadProfiler {
  /** Writes what was sampled since the last chunk and carries on sampling. */
  flush(): void;
  /** Writes the last chunk and stops sampling for good; later calls do nothing. */
  finish(): void;
}

interface V8Profile {
  nodes: { callFrame: { url: string; lineNumber: number; columnNumber: number } }[];
  samples?: number[];
}

/** Start and stop of one sampler; `stop` returns the profile gathered since `start`. */
interface Sampler {
  start(): void;
  stop(): V8Profile;
  close(): void;
}

function inspectorSampler(intervalUs: number): Sampler {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params: object = {}): unknown => {
    let answer: unknown;
    let failure: Error | null = null;
    session.post(method, params, (error, result) => {
      failure = error;
      answer = result;
    });
    if (failure) throw failure;
    return answer;
  };
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: intervalUs });
  return {
    start: () => post('Profiler.start'),
    stop: () => (post('Profiler.stop') as { profile: V8Profile }).profile,
    close: () => session.disconnect(),
  };
}

function addonSampler(intervalUs: number, threadId: number): Sampler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require('v8-profiler-next') as {
    setGenerateType(type: number): void;
    setSamplingInterval(us: number): void;
    startProfiling(title: string, recordSamples: boolean): void;
    stopProfiling(title: string): { delete(): void };
  };
  const title = `tsprof-${threadId}`;
  addon.setGenerateType(1); // the same node/sample layout as the inspector's
  addon.setSamplingInterval(intervalUs);
  return {
    start: () => addon.startProfiling(title, true),
    stop: () => {
      const handle = addon.stopProfiling(title);
      const profile = JSON.parse(JSON.stringify(handle)) as V8Profile;
      handle.delete();
      // The addon numbers lines and columns from 1 and gives plain paths; the inspector (and V8's own
      // .cpuprofile) number from 0 and give file:// URLs. Chunks follow the inspector.
      for (const node of profile.nodes) {
        const frame = node.callFrame;
        if (frame.lineNumber > 0) frame.lineNumber -= 1;
        if (frame.columnNumber > 0) frame.columnNumber -= 1;
        if (isAbsolute(frame.url)) frame.url = pathToFileURL(frame.url).href;
      }
      return profile;
    },
    close: () => {},
  };
}

export function startThreadProfiler(config: AgentConfig, threadId: number): ThreadProfiler {
  const sampler = config.sampler === 'v8-profiler-next' ? addonSampler(config.intervalUs, threadId) : inspectorSampler(config.intervalUs);
  let seq = 0;
  let running = false;

  const cut = (final: boolean) => {
    if (!running) return; // never stop what is not running (the addon would crash)
    running = false;
    const profile = sampler.stop();
    if (!final) {
      sampler.start();
      running = true;
    } else {
      sampler.close();
    }
    writeFileAtomic(config.dir, chunkFileName(process.pid, threadId, seq++, profile.samples?.length ?? 0, final), JSON.stringify(profile));
  };
  // The agent never throws into the app: a chunk that cannot be cut or written is simply missing.
  const safely = (final: boolean) => () => {
    try {
      cut(final);
    } catch {
      // nothing to do: tsprof reports the missing chunk
    }
  };

  sampler.start();
  running = true;
  return { flush: safely(false), finish: safely(true) };
}
