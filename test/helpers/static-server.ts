import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Serves folders under URL prefixes on 127.0.0.1 and an ephemeral port; only loopback, closed by `close()`. */
export async function serveFolders(folders: Record<string, string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    for (const [prefix, folder] of Object.entries(folders)) {
      if (!path.startsWith(prefix)) continue;
      const relative = normalize(decodeURIComponent(path.slice(prefix.length)) || 'index.html');
      if (relative.startsWith('..')) break;
      try {
        const body = await readFile(join(folder, relative));
        response.writeHead(200, { 'content-type': TYPES[extname(relative)] ?? 'application/octet-stream' });
        response.end(body);
        return;
      } catch {
        break;
      }
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
