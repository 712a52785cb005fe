// Type-checks the typecheck.json project N times in one process: a fixed amount of real CPU work that runs long
// enough (about 4 s a time here) for per-second costs to show rather than start-up costs.
'use strict';
const path = require('node:path');
const ts = require('typescript');

const times = Number(process.argv[2] ?? 4);
const { config } = ts.readConfigFile(path.join(__dirname, 'typecheck.json'), ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, __dirname);
let diagnostics = 0;
for (let i = 0; i < times; i++) diagnostics += ts.createProgram(parsed.fileNames, parsed.options).getSemanticDiagnostics().length;
process.stdout.write(`${times} type-checks, ${diagnostics} diagnostics\n`);
