// docker/setup-buildx-action stand-in: there is no buildx here; the builder is the local
// podman engine (buildah), which build-push-action's stand-in drives. Reports it as a builder.
'use strict';
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const version = core.exec('podman', ['version', '--format', '{{.Client.Version}}']).stdout.trim();
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] || process.arch;
  const platform = `linux/${arch}`;
  const name = core.getInput('name') || 'kaizen-local-podman';
  core.info(`Using the local podman ${version} engine as builder ${name} (${platform})`);
  core.setOutput('name', name);
  core.setOutput('driver', 'podman');
  core.setOutput('platforms', platform);
  core.setOutput('endpoint', process.env.DOCKER_HOST || 'unix:///run/podman/podman.sock');
  core.setOutput('status', 'running');
  core.setOutput('flags', '');
  core.setOutput('nodes', JSON.stringify([{ name: `${name}0`, endpoint: process.env.DOCKER_HOST || '', status: 'running', platforms: platform }]));
});
