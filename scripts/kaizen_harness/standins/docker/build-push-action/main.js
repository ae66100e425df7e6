// docker/build-push-action stand-in: builds with the local podman engine (buildah, Docker
// image format so HEALTHCHECK is kept) and pushes each tag, reporting the registry's manifest
// digest. Images land in the engine's store, where the Docker API socket (`docker run`) sees
// them, so `load` needs no extra step. There is no buildx here: cache-from/cache-to are
// accepted and the engine's layer store is the cache; inputs whose meaning depends on BuildKit
// alone are refused rather than ignored.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

// As @docker/actions-toolkit's getInputList: one per line, or comma-separated unless ignoreComma.
function list(name, ignoreComma = false) {
  const raw = core.getInput(name);
  const items = ignoreComma ? raw.split('\n') : raw.split(/[\n,]/);
  return items.map((item) => item.trim()).filter(Boolean).map((item) => item.replace(/^"(.*)"$/, '$1'));
}

const UNSUPPORTED = ['build-contexts', 'call', 'outputs', 'ssh', 'attests', 'allow', 'cgroup-parent', 'no-cache-filters', 'builder'];

function podman(args, { inherit = false, input } = {}) {
  core.info(`podman ${args.join(' ')}`);
  const result = spawnSync('podman', args, { encoding: 'utf8', stdio: inherit ? 'inherit' : 'pipe', input });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`podman ${args[0]} failed with exit code ${result.status}${inherit ? '' : `: ${result.stderr}`}`);
  return result;
}

core.run(() => {
  for (const name of UNSUPPORTED) {
    if (core.getInput(name)) throw new Error(`The local stand-in does not implement the ${name} input`);
  }
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const context = path.resolve(workspace, core.getInput('context') || '.');
  const file = core.getInput('file') ? path.resolve(workspace, core.getInput('file')) : path.join(context, 'Dockerfile');
  const tags = list('tags');
  const temp = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'build-push-'));
  const iidfile = path.join(temp, 'iid');
  const args = ['build', '--format', 'docker', '--iidfile', iidfile, '--file', file];
  for (const tag of tags) args.push('--tag', tag);
  for (const label of list('labels', true)) args.push('--label', label);
  for (const arg of list('build-args', true)) args.push('--build-arg', arg);
  for (const host of list('add-hosts')) args.push('--add-host', host);
  for (const limit of list('ulimit', true)) args.push('--ulimit', limit);
  for (const secret of list('secret-files', true)) {
    const at = secret.indexOf('=');
    args.push('--secret', `id=${secret.slice(0, at)},src=${path.resolve(workspace, secret.slice(at + 1))}`);
  }
  for (const secret of list('secrets', true)) {
    const at = secret.indexOf('=');
    const src = path.join(temp, `secret-${args.length}`);
    fs.writeFileSync(src, secret.slice(at + 1), { mode: 0o600 });
    args.push('--secret', `id=${secret.slice(0, at)},src=${src}`);
  }
  for (const secret of list('secret-envs', true)) {
    const at = secret.indexOf('=');
    const src = path.join(temp, `secret-${args.length}`);
    fs.writeFileSync(src, process.env[secret.slice(at + 1)] || '', { mode: 0o600 });
    args.push('--secret', `id=${secret.slice(0, at)},src=${src}`);
  }
  if (core.getInput('target')) args.push('--target', core.getInput('target'));
  if (core.getInput('platforms')) args.push('--platform', list('platforms').join(','));
  if (core.getInput('network')) args.push('--network', core.getInput('network'));
  if (core.getInput('shm-size')) args.push('--shm-size', core.getInput('shm-size'));
  if (core.getBooleanInput('no-cache')) args.push('--no-cache');
  if (core.getBooleanInput('pull')) args.push('--pull-always');
  const caches = [...list('cache-from', true), ...list('cache-to', true)];
  if (caches.length) core.info(`cache ${caches.join('; ')}: served by the local engine's layer store`);
  args.push(context);
  try {
    podman(args, { inherit: true });
    const imageid = fs.readFileSync(iidfile, 'utf8').trim();
    const imageId = imageid.startsWith('sha256:') ? imageid : `sha256:${imageid}`;
    core.setOutput('imageid', imageId);
    let digest = '';
    if (core.getBooleanInput('push')) {
      if (!tags.length) throw new Error('push is true but no tags were given');
      for (const tag of tags) {
        const digestfile = path.join(temp, 'digest');
        podman(['push', '--digestfile', digestfile, tag], { inherit: true });
        digest = fs.readFileSync(digestfile, 'utf8').trim();
      }
    }
    core.setOutput('digest', digest);
    core.setOutput('metadata', JSON.stringify({
      'containerimage.config.digest': imageId,
      ...(digest ? { 'containerimage.digest': digest } : {}),
      'image.name': tags.join(','),
    }));
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
});
