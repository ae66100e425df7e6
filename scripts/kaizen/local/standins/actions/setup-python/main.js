// actions/setup-python stand-in: picks the requested CPython among the interpreters installed
// under pyenv ($PYENV_ROOT/versions), gives the job a fresh virtual environment of it (a hosted
// runner starts each job with a clean interpreter), and restores the pip cache from a local
// store keyed like the real action's (KAIZEN_STANDIN_CACHE_DIR).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

function installed() {
  const root = process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
  const dir = path.join(root, 'versions');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((name) => /^\d+\.\d+\.\d+$/.test(name))
    .map((name) => ({ version: name, bin: path.join(dir, name, 'bin') }));
}

function compare(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i += 1) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

function resolveVersion(spec) {
  const wanted = spec.replace(/^v/, '').trim();
  const matches = installed().filter(({ version }) => version === wanted || version.startsWith(`${wanted}.`));
  matches.sort((a, b) => compare(b.version, a.version));
  if (!matches.length) {
    throw new Error(`The version '${spec}' with architecture '${os.arch()}' was not found for this runner. `
      + `Installed: ${installed().map((v) => v.version).join(', ') || 'none'}`);
  }
  return matches[0];
}

function versionSpec() {
  const spec = core.getInput('python-version');
  if (spec) return spec;
  const file = core.getInput('python-version-file') || '.python-version';
  const full = path.resolve(process.env.GITHUB_WORKSPACE || '.', file);
  if (fs.existsSync(full)) return fs.readFileSync(full, 'utf8').split('\n')[0].trim();
  throw new Error('python-version or a .python-version file is required by the local stand-in');
}

function restorePipCache(version) {
  const store = process.env.KAIZEN_STANDIN_CACHE_DIR;
  if (!store) throw new Error('KAIZEN_STANDIN_CACHE_DIR is not set: the local harness sets it');
  const workspace = process.env.GITHUB_WORKSPACE;
  const patterns = core.getInput('cache-dependency-path') || '**/requirements.txt';
  const files = core.globFiles(patterns, workspace);
  if (!files.length) {
    throw new Error(`No file in ${workspace} matched to [${patterns.split('\n').map((p) => p.trim()).filter(Boolean)}], `
      + 'make sure you have checked out the target repository');
  }
  const key = `setup-python-${process.platform}-${os.arch()}-python-${version}-pip-${core.hashFiles(files)}`;
  const cacheDir = path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'pip-cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  core.exportVariable('PIP_CACHE_DIR', cacheDir);
  const archive = path.join(store, `${key}.tar`);
  const hit = fs.existsSync(archive);
  if (hit) {
    core.exec('tar', ['-xf', archive, '-C', cacheDir]);
    core.info(`Cache restored from key: ${key}`);
  } else {
    core.info(`pip cache is not found (key ${key})`);
  }
  core.saveState('cache-primary-key', key);
  core.saveState('cache-matched-key', hit ? key : '');
  core.saveState('cache-paths', cacheDir);
  core.setOutput('cache-hit', hit);
}

core.run(() => {
  const { version, bin } = resolveVersion(versionSpec());
  const venv = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `python-${version}`);
  if (!fs.existsSync(path.join(venv, 'bin', 'python'))) core.exec(path.join(bin, 'python3'), ['-m', 'venv', venv]);
  const venvBin = path.join(venv, 'bin');
  if (core.getBooleanInput('update-environment')) {
    core.addPath(venvBin);
    core.exportVariable('pythonLocation', venv);
    core.exportVariable('Python_ROOT_DIR', venv);
    core.exportVariable('Python3_ROOT_DIR', venv);
    core.exportVariable('PKG_CONFIG_PATH', path.join(venv, 'lib', 'pkgconfig'));
  }
  core.info(`Successfully set up CPython (${version})`);
  core.setOutput('python-version', version);
  core.setOutput('python-path', path.join(venvBin, 'python'));
  const cache = core.getInput('cache');
  if (cache === 'pip') restorePipCache(version);
  else if (cache) throw new Error(`Caching for '${cache}' is not supported by the local stand-in`);
});
