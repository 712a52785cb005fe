/**
 * Profiles the thread it runs in with an in-thread inspector session. Such a session answers synchronously,
 * so a chunk can be cut (stop, restart, write) or the final one written at any moment, even inside an exit
 * handler. Chunks are whole V8 profiles, written atomically to the session folder.
 */
import * as inspector from 'node:inspector';
import { chunkFileName, writeFileAtomic, type AgentConfig } from './session-files.cjs';

export interface ThreadProfiler {
  /** Writes what was sampled since the last chunk and carries on sampling. */
  flush(): void;
  /** Writes the last chunk and stops sampling for good; later calls do nothing. */
  finish(): void;
}

export function startThreadProfiler(config: AgentConfig, threadId: number): ThreadProfiler {
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
  let seq = 0;
  let running = false;

  const cut = (final: boolean) => {
    if (!running) return;
    const { profile } = post('Profiler.stop') as { profile: { samples?: number[] } };
    running = false;
    if (!final) {
      post('Profiler.start');
      running = true;
    } else {
      session.disconnect();
    }
    writeFileAtomic(config.dir, chunkFileName(process.pid, threadId, seq++, profile.samples?.length ?? 0, final), JSON.stringify(profile));
  };
  // The agent never throws into the app: a chunk that cannot be cut or written is simply missing.
  const safely = (final: boolean) => () => {
    try {
      cut(final);
    } catch {
      running = false;
    }
  };

  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: config.intervalUs });
  post('Profiler.start');
  running = true;
  return { flush: safely(false), finish: safely(true) };
}
