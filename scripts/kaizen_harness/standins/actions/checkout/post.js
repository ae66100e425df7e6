// The real action removes persisted credentials after the job; so does the stand-in.
'use strict';
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const target = core.getState('credentialsPath');
  if (!target) return;
  core.exec('git', ['config', '--local', '--unset-all', core.getState('credentialsKey')], {
    cwd: target,
    allowFailure: true,
  });
});
