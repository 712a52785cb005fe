/**
 * The file tsprof preloads (`node --require`, through NODE_OPTIONS) into every Node process of a recorded
 * command, and so into every worker thread. Node reads this file even under its permission model
 * (`node --permission`), but not the ones it requires unless the program may read tsprof's folder: so it loads
 * the agent (profile-threads.cts) and swallows any failure. A program is never broken by tsprof; one that
 * cannot load the agent runs unprofiled.
 */
// A function of this file, held by its module (Node keeps preloaded modules in its cache): V8 names a frame's
// file only while its script lives, and without it this file's frames in a heap profile would have none,
// so they could not be told from the program's.
module.exports = function tsprofPreload(): void {};
try {
  require('./profile-threads.cjs');
} catch {
  // unprofiled, as without tsprof
}
