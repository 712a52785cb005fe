#!/usr/bin/env node
// The Node versions tsprof supports are those package.json's engines names: checked before anything of
// tsprof loads, so that another Node gets one line, not a stack trace.
import { createRequire } from 'node:module';

const { engines } = createRequire(import.meta.url)('../package.json');
const supported = [...engines.node.matchAll(/\^(\d+)/g)].map((match) => Number(match[1]));
const version = process.versions.node;
const major = Number(version.split('.')[0]);
const names = `${supported.slice(0, -1).join(', ')} and ${supported[supported.length - 1]}`;
if (major < supported[0]) {
  process.stderr.write(`tsprof: needs Node ${names}; this is Node ${version}\n`);
  process.exit(2);
}
if (!supported.includes(major)) process.stderr.write(`tsprof: warning: tested on Node ${names}, not on ${version}\n`);
const { main } = await import('../dist/cli/main.js');
main(process.argv.slice(2));
