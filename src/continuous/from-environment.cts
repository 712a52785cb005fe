/**
 * `node --require tsprof/agent app.js`: continuous profiling for an app that does not call startProfiling
 * itself, configured by environment variables:
 *   TSPROF_SERVICE (required), TSPROF_LABELS (`version=1.4.2,region=eu`), TSPROF_PUSH (Pyroscope URLs, comma
 *   separated), TSPROF_PROFEFE (profefe URLs), TSPROF_DIR (a folder), TSPROF_EVERY and TSPROF_SECONDS (window
 *   period and length in seconds), TSPROF_RATE (Hz), TSPROF_HEAP=0 (no heap profiles), TSPROF_HEAP_INTERVAL
 *   (bytes per heap sample), TSPROF_DEBUG=1 (report failures on stderr).
 * Without TSPROF_SERVICE, or with nowhere to send profiles, it says so once on stderr and does nothing. It runs
 * in every thread (Node applies --require to worker threads): each thread profiles itself, labelled `thread`.
 */
import { isMainThread } from 'node:worker_threads';

const env = process.env;
// The preload runs in every thread; say what is wrong once, from the main thread.
const say = (message: string) => {
  if (isMainThread) process.stderr.write(message);
};
const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const number = (value: string | undefined) => (value !== undefined && value.trim() !== '' && Number(value) > 0 ? Number(value) : undefined);

const service = env.TSPROF_SERVICE?.trim();
const push = list(env.TSPROF_PUSH);
const profefe = list(env.TSPROF_PROFEFE);
const dir = env.TSPROF_DIR?.trim();
if (!service) {
  say('tsprof agent: TSPROF_SERVICE is not set; not profiling\n');
} else if (push.length === 0 && profefe.length === 0 && !dir) {
  say('tsprof agent: none of TSPROF_PUSH, TSPROF_PROFEFE or TSPROF_DIR is set; not profiling\n');
} else {
  const labels = Object.fromEntries(
    list(env.TSPROF_LABELS)
      .map((pair): [string, string] => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])
      .filter(([key]) => key),
  );
  const every = number(env.TSPROF_EVERY);
  const seconds = number(env.TSPROF_SECONDS);
  const rate = number(env.TSPROF_RATE);
  const heapInterval = number(env.TSPROF_HEAP_INTERVAL);
  import('./profiler.js')
    .then(({ startProfiling }) => {
      startProfiling({
        service,
        labels,
        push,
        profefe,
        ...(dir ? { dir } : {}),
        ...(every ? { every } : {}),
        ...(seconds ? { seconds } : {}),
        ...(rate ? { rate } : {}),
        ...(env.TSPROF_HEAP?.trim() === '0' ? { heap: false } : {}),
        ...(heapInterval ? { heapInterval: Math.round(heapInterval) } : {}),
        onError: (error) => {
          if (env.TSPROF_DEBUG) process.stderr.write(`tsprof agent: ${error.message}\n`);
        },
      });
    })
    .catch((error: Error) => process.stderr.write(`tsprof agent: could not start (${error.message})\n`));
}
