import { AttachError } from './attach-error.js';
import type { ProcessInfo } from '../preload/agent-protocol.cjs';
import { CdpConnection, type CdpTarget } from './cdp-connection.js';
import { installWatchdog, type Watchdog } from './inspector-watchdog.js';
import { closeInspector, openInspector, type InspectorEndpoint } from './open-inspector.js';

/**
 * A running Node process that tsprof is connected to through its inspector: the main thread, its worker
 * threads as they come and go, and the way out (`detach`), which leaves the inspector as tsprof found it.
 */
export class AttachedProcess {
  private readonly workerListeners = new Set<{ started: (worker: CdpTarget) => void; gone?: (worker: CdpTarget) => void }>();
  private detached = false;

  private constructor(
    readonly endpoint: InspectorEndpoint,
    readonly connection: CdpConnection,
    readonly info: ProcessInfo,
    private readonly watchdog: Watchdog | undefined,
  ) {}

  static async attach(pid: number): Promise<AttachedProcess> {
    const endpoint = await openInspector(pid);
    let connection: CdpConnection;
    try {
      connection = await CdpConnection.connect(endpoint.webSocketUrl);
    } catch (error) {
      await closeInspector(endpoint);
      throw new AttachError(`process ${pid}: ${(error as Error).message}`);
    }
    // First of all, an inspector tsprof opened learns to close itself should tsprof die (the window between
    // SIGUSR1 and this evaluation is the only one in which a killed tsprof leaves it open).
    let watchdog: Watchdog | undefined;
    if (endpoint.openedByUs) {
      try {
        watchdog = await installWatchdog(connection.main);
      } catch (error) {
        await closeInspector(endpoint, connection);
        connection.close();
        throw new AttachError(`process ${pid}: could not guard the inspector tsprof opened, so it closed it again (${(error as Error).message})`);
      }
    }
    let info: ProcessInfo;
    try {
      // Reads only: the process's own view of itself, and proof that this inspector belongs to `pid`.
      info = (await connection.main.evaluate(
        '({ pid: process.pid, ppid: process.ppid, argv: process.argv, execArgv: process.execArgv, cwd: process.cwd(), startTime: Date.now() - ' +
          'process.uptime() * 1000 })',
      )) as ProcessInfo;
    } catch (error) {
      await closeInspector(endpoint, connection);
      connection.close();
      throw new AttachError(`process ${pid}: its inspector did not answer (${(error as Error).message})`);
    }
    if (info.pid !== pid) {
      await closeInspector(endpoint, connection);
      connection.close();
      throw new AttachError(`the inspector on port ${endpoint.port} belongs to process ${info.pid}, not ${pid}; tsprof did not use it`);
    }
    return new AttachedProcess(endpoint, connection, info, watchdog);
  }

  get pid(): number {
    return this.endpoint.pid;
  }

  get main(): CdpTarget {
    return this.connection.main;
  }

  /**
   * Calls `onWorker` for every worker thread, those running now and those started later. The inspector
   * reports the current ones right after NodeWorker.enable, so listeners registered before it miss none.
   */
  async watchWorkers(started: (worker: CdpTarget) => void, gone?: (worker: CdpTarget) => void): Promise<void> {
    const first = this.workerListeners.size === 0;
    this.workerListeners.add({ started, ...(gone ? { gone } : {}) });
    if (!first) return;
    this.connection.on('NodeWorker.attachedToWorker', (params) => {
      const info = params.workerInfo as { workerId: string; type?: string };
      const worker = this.connection.workerTarget(String(params.sessionId), Number(info.workerId));
      for (const listener of this.workerListeners) listener.started(worker);
    });
    this.connection.on('NodeWorker.detachedFromWorker', (params) => {
      const worker = this.connection.forgetWorker(String(params.sessionId));
      if (worker) for (const listener of this.workerListeners) listener.gone?.(worker);
    });
    await this.main.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
  }

  /**
   * Disconnects. An inspector tsprof opened is closed and its port checked gone; one that was open before is
   * left open. Returns a warning when the port could not be closed, for the user to hear about.
   */
  async detach(): Promise<string | undefined> {
    if (this.detached) return undefined;
    this.detached = true;
    let warning: string | undefined;
    await this.watchdog?.remove();
    if (this.endpoint.openedByUs && !(await closeInspector(this.endpoint, this.connection))) {
      warning =
        `could not close the inspector tsprof opened in process ${this.pid}: it still listens on ` +
        `${this.endpoint.address}:${this.endpoint.port} (loopback only) until the process ends or the app calls inspector.close()`;
    }
    this.connection.close();
    return warning;
  }
}
