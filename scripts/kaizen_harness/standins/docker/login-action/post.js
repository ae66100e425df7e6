'use strict';
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const registry = core.getState('registry');
  if (!registry || core.getState('logout') !== 'true') return;
  core.exec('podman', ['logout', registry], { allowFailure: true });
  core.info(`Logged out of ${registry}`);
});
