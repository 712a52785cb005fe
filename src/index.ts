/**
 * tsprof as a library (docs/api.md): read, write, diff and report profiles (api/profiles.ts); inside a
 * running service, the pprof HTTP endpoint (mount it in the app's server or start one on its own port),
 * profiling the current thread, and the continuous profiler.
 */
export { readProfile, writeProfile, diffProfiles, reportProfile, ProfileError, type ReadProfileOptions, type WriteProfileOptions } from './api/profiles.js';
export type { Profile, Frame, ProfileMeta, ThreadInfo, WeightUnit, StackTable, SampleTable } from './model/profile.js';
export type { InputFormat, OutputFormat } from './model/formats.js';
export type { ProfileDiff, FunctionChange, SideSummary, Verdict } from './analyze/diff.js';
export type { FunctionStats } from './analyze/report.js';
export { pprofHandler, startPprofServer, PROFILE_PATH, type PprofHandlerOptions, type PprofServer, type PprofServerOptions } from './endpoint/pprof-handler.js';
export { profileSelf, ProfileInProgressError, type SelfProfileOptions } from './in-process/self-profiler.js';
export { startProfiling, type Profiler, type ProfilingOptions } from './continuous/profiler.js';
