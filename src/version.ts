import { createRequire } from 'node:module';

/** The version in package.json, read once at start-up so it can never drift from the published one. */
export const TSPROF_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
