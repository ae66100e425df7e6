// Saves the pip cache under the primary key unless it was restored by that exact key.
'use strict';
const fs = require('fs');
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const key = core.getState('cache-primary-key');
  const dir = core.getState('cache-paths');
  if (!key || !dir) return;
  if (core.getState('cache-matched-key') === key) {
    core.info(`Cache hit occurred on the primary key ${key}, not saving cache.`);
    return;
  }
  if (!fs.existsSync(dir) || !fs.readdirSync(dir).length) {
    core.warning('Cache folder path is retrieved for pip but doesn\'t exist on disk or is empty');
    return;
  }
  const store = process.env.KAIZEN_STANDIN_CACHE_DIR;
  fs.mkdirSync(store, { recursive: true });
  const archive = path.join(store, `${key}.tar`);
  const partial = `${archive}.${process.pid}.partial`;
  core.exec('tar', ['-cf', partial, '-C', dir, '.']);
  if (fs.existsSync(archive)) {
    fs.rmSync(partial); // another job saved this key first: the real cache keeps the first too
    core.info(`Unable to reserve cache with key ${key}, another job may be creating this cache.`);
    return;
  }
  fs.renameSync(partial, archive);
  core.info(`Cache saved with the key: ${key}`);
});
