// actions/checkout stand-in: fetches the repository from a local git directory instead of
// GitHub. KAIZEN_STANDIN_REPOS maps "owner/name" to that directory (JSON).
'use strict';
const fs = require('fs');
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const repository = core.getInput('repository') || process.env.GITHUB_REPOSITORY;
  const sources = JSON.parse(process.env.KAIZEN_STANDIN_REPOS || '{}');
  const source = sources[repository];
  if (!source) throw new Error(`Repository '${repository}' is not known to the local harness (KAIZEN_STANDIN_REPOS)`);
  const workspace = process.env.GITHUB_WORKSPACE;
  const target = path.resolve(workspace, core.getInput('path') || '.');
  if (!target.startsWith(path.resolve(workspace))) throw new Error(`Repository path '${target}' is not under '${workspace}'`);
  const own = repository === process.env.GITHUB_REPOSITORY;
  const ref = core.getInput('ref') || (own ? process.env.GITHUB_SHA : 'HEAD');
  const depth = parseInt(core.getInput('fetch-depth') || '1', 10);

  fs.mkdirSync(target, { recursive: true });
  if (core.getBooleanInput('clean') && fs.existsSync(path.join(target, '.git'))) {
    core.exec('git', ['clean', '-ffdx'], { cwd: target });
    core.exec('git', ['reset', '--hard', 'HEAD'], { cwd: target });
  }
  const git = (...args) => core.exec('git', args, { cwd: target });
  if (!fs.existsSync(path.join(target, '.git'))) git('init', '--quiet', '-b', 'kaizen-checkout');
  git('config', 'core.hooksPath', '/dev/null');
  core.exec('git', ['remote', 'remove', 'origin'], { cwd: target, allowFailure: true });
  git('remote', 'add', 'origin', `file://${path.resolve(source)}`);
  const fetchArgs = ['fetch', '--quiet', '--no-tags', '--prune'];
  if (depth > 0) fetchArgs.push(`--depth=${depth}`);
  if (core.getBooleanInput('fetch-tags')) fetchArgs[2] = '--tags';
  const resolved = /^[0-9a-f]{40}$/.test(ref) ? ref : ref.replace(/^refs\/heads\//, '');
  git(...fetchArgs, 'origin', resolved);
  git('checkout', '--quiet', '--force', 'FETCH_HEAD');
  const commit = git('rev-parse', 'HEAD').stdout.trim();

  // Like the real action: credentials stay in .git/config only when persist-credentials is true.
  if (core.getBooleanInput('persist-credentials')) {
    const token = core.getInput('token');
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    git('config', '--local', 'http.https://github.com/.extraheader', `AUTHORIZATION: basic ${basic}`);
    core.saveState('credentialsPath', target);
  }
  core.info(`Checked out ${repository}@${ref} (${commit}) into ${target}, depth ${depth || 'all'}`);
  core.setOutput('ref', ref);
  core.setOutput('commit', commit);
});
