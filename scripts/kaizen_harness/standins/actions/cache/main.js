// actions/cache stand-in: restores from the harness's local cache store, by exact key or by
// the newest entry matching a restore key. Paths are kept relative to the workspace, as the
// real action does for paths inside it; paths outside it are refused, not half-handled.
'use strict';
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

function relativePaths() {
  const workspace = path.resolve(process.env.GITHUB_WORKSPACE || '.');
  return core.getInput('path', { required: true }).split('\n').map((l) => l.trim()).filter(Boolean).map((p) => {
    const relative = path.relative(workspace, path.resolve(workspace, p));
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new Error(`The local stand-in caches paths inside the workspace only, not ${p}`);
    }
    return relative;
  });
}

core.run(() => {
  const key = core.getInput('key', { required: true });
  const paths = relativePaths();
  const restoreKeys = core.getInput('restore-keys').split('\n').map((l) => l.trim()).filter(Boolean);
  const matched = core.getBooleanInput('lookup-only') ? '' : core.restoreCache(process.env.GITHUB_WORKSPACE, key, restoreKeys);
  core.saveState('CACHE_KEY', key);
  core.saveState('CACHE_PATHS', JSON.stringify(paths));
  core.saveState('CACHE_RESULT', matched);
  if (!matched && core.getBooleanInput('fail-on-cache-miss')) {
    throw new Error(`Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`);
  }
  core.info(matched ? `Cache restored from key: ${matched}` : `Cache not found for input keys: ${[key, ...restoreKeys].join(', ')}`);
  core.setOutput('cache-hit', matched === key);
});
