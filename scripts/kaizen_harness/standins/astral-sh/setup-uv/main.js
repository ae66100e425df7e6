// astral-sh/setup-uv stand-in: puts the uv binary the harness names (KAIZEN_STANDIN_UV) on PATH
// instead of downloading one, and restores uv's cache from a local store
// (KAIZEN_STANDIN_CACHE_DIR) under a key built like the real action's.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

function cacheKey(workingDirectory, pythonVersion) {
  const glob = core.getInput('cache-dependency-glob');
  let hash = '-no-dependency-glob';
  if (glob) {
    const files = core.globFiles(glob, workingDirectory);
    if (files.length) hash = `-${core.hashFiles(files)}`;
    else core.warning(`No file matched to [${glob.split('\n').join(',')}]. The cache will never get invalidated.`);
  }
  const suffix = core.getInput('cache-suffix') ? `-${encodeURIComponent(core.getInput('cache-suffix'))}` : '';
  const pruned = core.getBooleanInput('prune-cache') ? '-pruned' : '';
  return `setup-uv-1-${os.arch()}-${process.platform}-local-${encodeURIComponent(pythonVersion || 'unknown')}${pruned}${hash}${suffix}`;
}

core.run(() => {
  const uv = process.env.KAIZEN_STANDIN_UV;
  if (!uv || !fs.existsSync(uv)) throw new Error('KAIZEN_STANDIN_UV must name the uv binary: the local harness sets it');
  const uvVersion = core.exec(uv, ['--version']).stdout.trim().split(' ')[1];
  const wanted = core.getInput('version');
  if (wanted && wanted !== 'latest' && !uvVersion.startsWith(wanted.replace(/^[=~^>< ]+/, ''))) {
    throw new Error(`uv ${wanted} was requested; the local stand-in has uv ${uvVersion}`);
  }
  const bin = path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'setup-uv-bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const name of ['uv', 'uvx']) {
    const source = path.join(path.dirname(uv), name);
    const link = path.join(bin, name);
    if (fs.existsSync(source) && !fs.existsSync(link)) fs.symlinkSync(source, link);
  }
  core.addPath(bin);
  core.setOutput('uv-version', uvVersion);
  core.setOutput('uv-path', path.join(bin, 'uv'));
  core.setOutput('uvx-path', path.join(bin, 'uvx'));
  core.info(`Using uv ${uvVersion} (local stand-in)`);

  const pythonVersion = core.getInput('python-version');
  if (pythonVersion) {
    core.exportVariable('UV_PYTHON', pythonVersion);
    core.setOutput('python-version', pythonVersion);
  }
  const workingDirectory = path.resolve(process.env.GITHUB_WORKSPACE || '.', core.getInput('working-directory') || '.');
  if (core.getBooleanInput('activate-environment')) {
    const venv = path.resolve(workingDirectory, core.getInput('venv-path') || '.venv');
    core.exec(uv, ['venv', venv, ...(pythonVersion ? ['--python', pythonVersion] : [])], { cwd: workingDirectory });
    core.addPath(path.join(venv, 'bin'));
    core.exportVariable('VIRTUAL_ENV', venv);
    core.setOutput('venv', venv);
  }

  const enable = core.getInput('enable-cache');
  if (enable !== 'true' && enable !== 'auto') {
    core.setOutput('cache-hit', false);
    return;
  }
  const cacheDir = core.getInput('cache-local-path') || path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'setup-uv-cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  core.exportVariable('UV_CACHE_DIR', cacheDir);
  const key = cacheKey(workingDirectory, pythonVersion || process.env.pythonLocation && path.basename(process.env.pythonLocation));
  core.saveState('cache-key', key);
  core.saveState('cache-path', cacheDir);
  core.setOutput('cache-key', key);
  const matched = core.getBooleanInput('restore-cache') ? core.restoreCache(cacheDir, key) : '';
  core.saveState('cache-matched-key', matched);
  core.info(matched ? `cache restored from GitHub Actions cache with key: ${key}`
    : `No GitHub Actions cache found for key: ${key}`);
  core.setOutput('cache-hit', Boolean(matched));
});
