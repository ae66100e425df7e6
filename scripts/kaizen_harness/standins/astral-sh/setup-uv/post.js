// Saves uv's cache under the key computed by main.js unless it was restored by that key.
'use strict';
const fs = require('fs');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const key = core.getState('cache-key');
  const dir = core.getState('cache-path');
  if (!key || !dir || !core.getBooleanInput('save-cache')) return;
  if (core.getState('cache-matched-key') === key) {
    core.info(`Cache hit occurred on key ${key}, not saving cache.`);
    return;
  }
  if (core.getBooleanInput('prune-cache')) {
    core.exec(process.env.KAIZEN_STANDIN_UV, ['cache', 'prune', '--ci'], { env: { ...process.env, UV_CACHE_DIR: dir } });
  }
  if (!fs.existsSync(dir) || !fs.readdirSync(dir).length) {
    if (!core.getBooleanInput('ignore-nothing-to-cache')) {
      throw new Error('Cache path does not exist on disk. This likely indicates that there are no dependencies to cache.');
    }
    return;
  }
  if (core.saveCache(dir, ['.'], key)) core.info(`cache saved with key: ${key}`);
});
