// actions/setup-python stand-in: picks the requested CPython among the interpreters installed
// on the machine (pyenv, or a runner's tool cache) and gives the job a fresh virtual environment of it, as a
// hosted runner starts each job with a clean interpreter. Kaizen caches with setup-uv, so the
// `cache` input is refused rather than half-implemented.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

// Interpreters under pyenv, and (when the harness itself runs on a GitHub runner) in the
// runner's tool cache, where the real setup-python put them.
function installed() {
  const found = [];
  const root = process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
  const versions = path.join(root, 'versions');
  if (fs.existsSync(versions)) {
    for (const name of fs.readdirSync(versions)) {
      if (/^\d+\.\d+\.\d+$/.test(name)) found.push({ version: name, bin: path.join(versions, name, 'bin') });
    }
  }
  const toolcache = process.env.KAIZEN_STANDIN_TOOLCACHE && path.join(process.env.KAIZEN_STANDIN_TOOLCACHE, 'Python');
  if (toolcache && fs.existsSync(toolcache)) {
    for (const name of fs.readdirSync(toolcache)) {
      const bin = path.join(toolcache, name, 'x64', 'bin');
      if (/^\d+\.\d+\.\d+$/.test(name) && fs.existsSync(bin)) found.push({ version: name, bin });
    }
  }
  return found;
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

core.run(() => {
  const { version, bin } = resolveVersion(versionSpec());
  const venv = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `python-${version}`);
  if (!fs.existsSync(path.join(venv, 'bin', 'python'))) {
    // uv makes the environment (with pip, as a hosted runner's Python has) in a fraction of
    // the time `python -m venv` takes to bootstrap pip.
    core.exec(process.env.KAIZEN_STANDIN_UV, ['venv', '--quiet', '--seed', '--python', path.join(bin, 'python3'), venv]);
  }
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
  if (cache) throw new Error(`Caching for '${cache}' is not supported by the local stand-in`);
  core.setOutput('cache-hit', false);
});
