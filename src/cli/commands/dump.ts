import { visible } from '../terminal.js';
import type { ChalkInstance } from 'chalk';
import { AttachedProcess } from '../../attach/attached-process.js';
import type { CdpTarget } from '../../attach/cdp-connection.js';
import { captureStack, type ThreadStack } from '../../attach/stack-dump.js';
import { processThreadName } from '../../model/thread-names.js';
import { displayPath } from '../../model/frame-display.js';

/** Time for the inspector to report the workers that are running, after NodeWorker.enable. */
const WORKER_DISCOVERY_MS = 200;

/**
 * `tsprof dump --pid PID`: prints the JavaScript stack each thread of a running Node process is in right
 * now, one frame per line, innermost first (as `py-spy dump` does), or that the thread is idle.
 */
export async function dumpCommand(pid: number, colors: ChalkInstance, warn: (message: string) => void): Promise<void> {
  const attached = await AttachedProcess.attach(pid);
  const sections: string[] = [];
  try {
    const workers: CdpTarget[] = [];
    await attached.watchWorkers((worker) => workers.push(worker));
    await new Promise((resolve) => setTimeout(resolve, WORKER_DISCOVERY_MS));
    const version = await attached.main.evaluate('process.version').catch(() => undefined);
    sections.push(
      `${colors.bold(`Process ${pid}: ${processThreadName(pid, attached.info).replace(`node ${pid}`, 'node')}`)}\nNode.js ` +
        `${typeof version === 'string' ? version : '(version unknown)'}`,
    );
    const on = attached.connection.on.bind(attached.connection);
    for (const target of [attached.main, ...workers]) {
      const title = target.threadId === 0 ? 'Main thread' : `Worker ${target.threadId}`;
      const stack = await captureStack(target, on).catch((error: Error): ThreadStack => ({ state: 'unknown', reason: error.message }));
      sections.push(formatThread(title, stack, process.cwd(), colors));
    }
  } finally {
    const warning = await attached.detach();
    if (warning) warn(warning);
  }
  process.stdout.write(`${sections.join('\n\n')}\n`);
}

function formatThread(title: string, stack: ThreadStack, cwd: string, colors: ChalkInstance): string {
  if (stack.state === 'idle') return `${colors.bold(title)} ${colors.dim('(idle: waiting in the event loop)')}`;
  if (stack.state === 'unknown') return `${colors.bold(title)} ${colors.yellow(`(stack unknown: ${stack.reason})`)}`;
  const lines = stack.frames.map((frame) => {
    const name = visible(frame.functionName === '' ? '(anonymous)' : frame.functionName);
    const where = frame.url === '' ? '' : ` (${colors.cyan(`${visible(displayPath(frame.url, cwd))}:${frame.line}`)})`;
    return `    ${colors.green(name)}${where}`;
  });
  const state = stack.state === 'running' ? '(running)' : colors.yellow('(paused by another debugger; tsprof left it paused)');
  return `${colors.bold(title)} ${state}:\n${lines.join('\n')}`;
}
