/**
 * tsprof as a library, for use inside a running service: the pprof HTTP endpoint (mount it in the app's
 * server or start one on its own port) and profiling the current thread from inside.
 */
export {
  pprofHandler,
  startPprofServer,
  PROFILE_PATH,
  type PprofHandlerOptions,
  type PprofServer,
  type PprofServerOptions,
} from './continuous/pprof-handler.js';
export { profileSelf, ProfileInProgressError, type SelfProfileOptions } from './continuous/self-profiler.js';
export { startProfiling, type Profiler, type ProfilingOptions } from './continuous/profiler.js';
