import type { FunctionChange, ProfileDiff } from '../analyze/diff.js';
import { frameLocation, frameName } from '../model/frame-display.js';
import { TSPROF_VERSION } from '../version.js';

/** `tsprof diff -f json`: the whole table (every function, not only the rows the text shows) as data. */
export function toDiffJson(diff: ProfileDiff, context: { cwd: string; before: string[]; after: string[] }): string {
  const row = (change: FunctionChange) => ({
    function: frameName(change.frame),
    location: frameLocation(change.frame, context.cwd) || null,
    before: { samples: change.before, percent: change.beforeShare },
    after: { samples: change.after, percent: change.afterShare },
    changePoints: change.points,
    changePercent: change.relative,
    p: change.p,
    verdict: change.verdict,
  });
  const document = {
    tool: `tsprof ${TSPROF_VERSION}`,
    before: { ...diff.before, inputs: context.before },
    after: { ...diff.after, inputs: context.after },
    test: { method: 'two-proportion test, overdispersion from time blocks and runs, Holm correction', alpha: diff.alpha, tests: diff.tests },
    self: diff.self.map(row),
    total: diff.total.map(row),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
