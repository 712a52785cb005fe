import * as inspector from 'node:inspector';

/**
 * An inspector session connected to the thread it runs in, whose `post` returns the answer: the inspector
 * answers a same-thread session at once, so that the agent can cut a profile at any moment, even inside an
 * exit handler.
 */
export interface SyncSession {
  post: <T = unknown>(method: string, params?: object) => T;
  on: (event: string, listener: (message: { params: unknown }) => void) => void;
  disconnect: () => void;
}

export function connectSyncSession(): SyncSession {
  const session = new inspector.Session();
  session.connect();
  return {
    post: <T,>(method: string, params: object = {}): T => {
      let failure: Error | null = null;
      let answer: unknown;
      session.post(method, params, (error, result) => {
        failure = error;
        answer = result;
      });
      // The callback ran synchronously, which control-flow analysis cannot see: hence the cast.
      const error = failure as Error | null;
      if (error) throw error;
      return answer as T;
    },
    on: (event, listener) => session.on(event, listener as (message: inspector.InspectorNotification<object>) => void),
    disconnect: () => session.disconnect(),
  };
}
