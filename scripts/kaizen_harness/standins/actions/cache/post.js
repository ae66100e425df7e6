// Saves the paths under the primary key, unless that exact key was restored.
'use strict';
const fs = require('fs');
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const key = core.getState('CACHE_KEY');
  if (!key) return;
  if (core.getState('CACHE_RESULT') === key) {
    core.info(`Cache hit occurred on the primary key ${key}, not saving cache.`);
    return;
  }
  const workspace = process.env.GITHUB_WORKSPACE;
  const paths = JSON.parse(core.getState('CACHE_PATHS') || '[]').filter((p) => fs.existsSync(path.join(workspace, p)));
  if (!paths.length) {
    core.warning('Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.');
    return;
  }
  if (core.saveCache(workspace, paths, key)) core.info(`Cache saved with key: ${key}`);
});
