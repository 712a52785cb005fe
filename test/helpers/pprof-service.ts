import { spawn, type ChildProcess } from 'node:child_process';
import { fixture } from './paths.js';

const services = new Set<ChildProcess>();

/**
 * Starts a fixture service with tsprof's pprof endpoint (fixtures/programs/pprof-server.js: a busy hotLoop;
 * or `program`) and returns its URL once it prints `ready <url>`. stopPprofServices() ends them all.
 */
export function startPprofService(token?: string, program = 'pprof-server.js'): Promise<string> {
  const child = spawn(process.execPath, [fixture('programs', program), ...(token ? [token] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  services.add(child);
  let stdout = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service did not start')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^ready (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', () => reject(new Error('the service exited')));
  });
}

export function stopPprofServices(): void {
  for (const child of services) child.kill('SIGKILL');
  services.clear();
}
