// Type-checks the typecheck.json project over and over, in one process, for the given number of seconds, then
// prints on stderr when it exits: the 60-second recording of the exit-to-profile benchmark.
'use strict';
const path = require('node:path');
const ts = require('typescript');

const seconds = Number(process.argv[2] ?? 60);
const configPath = path.join(__dirname, 'typecheck.json');
const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, __dirname);
const end = Date.now() + seconds * 1000;
let runs = 0;
while (Date.now() < end) {
  ts.createProgram(parsed.fileNames, parsed.options).getSemanticDiagnostics();
  runs++;
}
process.on('exit', () => process.stderr.write(`exited-at ${Date.now()} after ${runs} type-checks\n`));
