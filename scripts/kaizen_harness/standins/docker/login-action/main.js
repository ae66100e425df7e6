// docker/login-action stand-in: logs the local engine (podman) in to a registry, with the
// password on stdin. Credentials go to REGISTRY_AUTH_FILE, which the harness points at the
// sandbox; the post step logs out when `logout` is true, as the real action does.
'use strict';
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const registry = core.getInput('registry') || 'docker.io';
  const username = core.getInput('username');
  const password = core.getInput('password');
  if (core.getInput('ecr') === 'true' || core.getInput('registry-auth')) {
    throw new Error('The local stand-in implements username/password logins only');
  }
  if (!username || !password) throw new Error('Username and password required');
  const result = core.exec('podman', ['login', '--username', username, '--password-stdin', registry], {
    input: password, allowFailure: true,
  });
  if (result.status !== 0) throw new Error(`Error response from registry ${registry}: ${result.stderr.trim()}`);
  core.saveState('registry', registry);
  core.saveState('logout', core.getBooleanInput('logout'));
  core.info(`Login Succeeded! (${registry})`);
});
