import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The TCP ports a given process listens on, found through /proc without asking anyone on the network: the
 * socket inodes among its open files (/proc/<pid>/fd), matched against the listening sockets of its network
 * namespace (/proc/<pid>/net/tcp and tcp6). This is how tsprof finds the inspector port that this pid owns,
 * rather than trusting whatever listens on 9229.
 */
export interface ListeningSocket {
  address: string;
  port: number;
}

const LISTEN = '0A';

export function listeningSockets(pid: number, procRoot = '/proc'): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`${procRoot}/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the descriptor closed while we looked
    }
  }
  return listenTable(`${procRoot}/${pid}/net`)
    .filter((entry) => inodes.has(entry.inode))
    .map(({ address, port }) => ({ address, port }));
}

/** Whether any process in tsprof's own network namespace listens on TCP `port`. */
export function portInUse(port: number, procRoot = '/proc'): boolean {
  return listenTable(`${procRoot}/net`).some((entry) => entry.port === port);
}

/** The listening sockets of one network namespace (`<netDir>/tcp` and `tcp6`), with their inodes. */
function listenTable(netDir: string): (ListeningSocket & { inode: string })[] {
  const sockets: (ListeningSocket & { inode: string })[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${netDir}/${table}`, 'utf8');
    } catch {
      continue; // no IPv6 here
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      if (fields.length < 10 || fields[3] !== LISTEN) continue;
      const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
      sockets.push({ address: decodeAddress(hexAddress), port: parseInt(hexPort, 16), inode: fields[9]! });
    }
  }
  return sockets;
}

/** /proc prints addresses as hex words in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  const words: string[] = [];
  for (let w = 0; w < 32; w += 8) {
    const word = hex.slice(w, w + 8);
    const bytes = [6, 4, 2, 0].map((i) => word.slice(i, i + 2));
    words.push(bytes.slice(0, 2).join(''), bytes.slice(2).join(''));
  }
  const full = words.map((part) => part.replace(/^0+(?=.)/, '').toLowerCase());
  const text = full.join(':');
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text.startsWith('0:0:0:0:0:ffff:')) {
    const [hi, lo] = full.slice(6).map((part) => parseInt(part, 16));
    return `::ffff:${hi! >> 8}.${hi! & 255}.${lo! >> 8}.${lo! & 255}`;
  }
  return text;
}

/** Whether an address is on the loopback: the only addresses tsprof connects to. */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/** Whether a host name or address (as given to --inspect or listen()) reaches only this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopback(host);
}
