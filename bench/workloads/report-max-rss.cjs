// Preloaded (-r) into a benchmark's workload: prints the process's peak resident memory at exit, on stderr,
// so that what a profiler adds to the program's own memory can be compared between variants.
'use strict';
process.on('exit', () => process.stderr.write(`max-rss-kib ${process.resourceUsage().maxRSS}\n`));
