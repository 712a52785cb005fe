import WebSocket from 'ws';

/**
 * One WebSocket connection to a Node.js inspector, speaking the Chrome DevTools Protocol. Worker threads are
 * reached through the same connection (the `NodeWorker` domain wraps their messages), so a `CdpTarget` is
 * either the main thread or one worker, and both are used the same way.
 */

export class CdpError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

type EventHandler = (params: Record<string, unknown>, target: CdpTarget) => void;

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** How long one request may take before it counts as lost: the inspector answers even a busy thread by interrupt. */
const DEFAULT_TIMEOUT_MS = 5000;

export class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private readonly workers = new Map<string, CdpTarget>();
  readonly main: CdpTarget;
  /** Resolves when the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(private readonly socket: WebSocket) {
    this.main = new CdpTarget(this, undefined, 0);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        for (const [, request] of this.pending) {
          clearTimeout(request.timer);
          request.reject(new CdpError('the inspector connection closed'));
        }
        this.pending.clear();
        resolve();
      }),
    );
    socket.on('error', () => {
      // 'close' follows and settles everything
    });
    socket.on('message', (data: Buffer) => this.receive(data.toString('utf8')));
  }

  static async connect(url: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CdpConnection> {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 2 ** 30, handshakeTimeout: timeoutMs });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) => reject(new CdpError(`cannot connect to the inspector at ${url} (${error.message})`)));
    });
    return new CdpConnection(socket);
  }

  get open(): boolean {
    return !this.isClosed;
  }

  /** Calls `handler` for every `method` event, from the main thread and from every worker. Returns an unsubscribe. */
  on(method: string, handler: EventHandler): () => void {
    let set = this.handlers.get(method);
    if (!set) this.handlers.set(method, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** The worker that the inspector attached as `sessionId` (NodeWorker.attachedToWorker). */
  workerTarget(sessionId: string, threadId: number): CdpTarget {
    let target = this.workers.get(sessionId);
    if (!target) this.workers.set(sessionId, (target = new CdpTarget(this, sessionId, threadId)));
    return target;
  }

  forgetWorker(sessionId: string): CdpTarget | undefined {
    const target = this.workers.get(sessionId);
    this.workers.delete(sessionId);
    return target;
  }

  send(method: string, params: object, sessionId: string | undefined, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Record<string, unknown>> {
    if (this.isClosed) return Promise.reject(new CdpError('the inspector connection closed'));
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CdpError(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (sessionId === undefined) {
        this.socket.send(message);
      } else {
        // The wrapper's own answer is empty; the worker's answer comes back as receivedMessageFromWorker.
        this.socket.send(JSON.stringify({ id: this.nextId++, method: 'NodeWorker.sendMessageToWorker', params: { sessionId, message } }));
      }
    });
  }

  /** Closes the connection; a peer that does not answer the closing handshake within a second is cut off. */
  close(): void {
    if (this.isClosed) return;
    this.socket.close();
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  private receive(text: string, fromWorker?: string): void {
    let message: {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: Record<string, unknown>;
      error?: { message: string; code?: number };
    };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.method === 'NodeWorker.receivedMessageFromWorker' && message.params) {
      this.receive(String(message.params.message), String(message.params.sessionId));
      return;
    }
    if (message.id !== undefined) {
      const request = this.pending.get(message.id);
      if (!request) return; // the answer to a NodeWorker wrapper, or to a request that timed out
      this.pending.delete(message.id);
      clearTimeout(request.timer);
      if (message.error) request.reject(new CdpError(message.error.message, message.error.code));
      else request.resolve(message.result ?? {});
      return;
    }
    if (message.method) {
      const target = fromWorker === undefined ? this.main : this.workers.get(fromWorker);
      if (!target) return;
      for (const handler of this.handlers.get(message.method) ?? []) handler(message.params ?? {}, target);
    }
  }
}

/** The main thread (threadId 0) or one worker thread of the attached process. */
export class CdpTarget {
  constructor(
    private readonly connection: CdpConnection,
    readonly sessionId: string | undefined,
    readonly threadId: number,
  ) {}

  send(method: string, params: object = {}, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.connection.send(method, params, this.sessionId, timeoutMs);
  }

  /** Evaluates an expression in the thread's global scope and returns its value (JSON-serialisable). */
  async evaluate(expression: string, options: { commandLineAPI?: boolean; timeoutMs?: number } = {}): Promise<unknown> {
    const reply = await this.send(
      'Runtime.evaluate',
      { expression, returnByValue: true, silent: true, includeCommandLineAPI: options.commandLineAPI ?? false },
      options.timeoutMs,
    );
    const details = reply.exceptionDetails as { exception?: { description?: string }; text?: string } | undefined;
    if (details) throw new CdpError(details.exception?.description?.split('\n')[0] ?? details.text ?? 'evaluation failed');
    return (reply.result as { value?: unknown } | undefined)?.value;
  }
}
