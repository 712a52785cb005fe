import { spawnSync } from 'node:child_process';

/**
 * Whether `go tool pprof` can run here (Debian's golang-go, installed by .ci/run). Locally, without Go, the
 * pprof-reader tests are skipped and say so; in CI (CI=true) a missing Go is a failure, never a silent skip.
 */
export function goAvailable(): boolean {
  if (spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0) return true;
  if (process.env.CI === 'true') throw new Error("CI=true but no `go` on PATH: .ci/run must install Debian's golang-go");
  console.warn('skipping go tool pprof tests: no `go` on PATH (apt-get install golang-go)');
  return false;
}

/** `go tool pprof -top <file>` (of one sample type): function -> flat percent, in the order pprof prints them. */
export function pprofTop(file: string, sampleIndex?: string): Map<string, number> {
  const args = ['tool', 'pprof', '-top', ...(sampleIndex ? [`-sample_index=${sampleIndex}`] : []), file];
  const result = spawnSync('go', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`go tool pprof failed: ${result.stderr}`);
  const rows = new Map<string, number>();
  for (const line of result.stdout.split('\n')) {
    const match = /^\s*[\d.]+\w*\s+([\d.]+)%\s+[\d.]+%\s+[\d.]+\w*\s+[\d.]+%\s+(.+?)(?: \(inline\))?$/.exec(line);
    if (match && !rows.has(match[2]!)) rows.set(match[2]!, Number(match[1]));
  }
  return rows;
}
