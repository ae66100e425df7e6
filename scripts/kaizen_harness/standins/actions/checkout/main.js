// actions/checkout stand-in: fetches the repository as the real action does, from the origin
// the harness serves at GITHUB_SERVER_URL (git's smart HTTP; a private repository there refuses
// anonymous fetches). KAIZEN_STANDIN_REPOS maps "owner/name" to its clone URL, or to a local
// folder for callers that serve none. Like the real action (https://github.com/actions/checkout):
// origin is <server>/<owner>/<name>, the token is sent as an Authorization header for the
// server's URL only, kept in .git/config only with persist-credentials (the default, which
// Kaizen never uses), and fetch-depth 1 fetches the one commit, 0 every branch and tag.
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
  const served = /^https?:\/\//.test(source);
  const server = (core.getInput('github-server-url') || process.env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const token = core.getInput('token');
  const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  const headerKey = `http.${server}/.extraheader`;

  fs.mkdirSync(target, { recursive: true });
  if (core.getBooleanInput('clean') && fs.existsSync(path.join(target, '.git'))) {
    core.exec('git', ['clean', '-ffdx'], { cwd: target });
    core.exec('git', ['reset', '--hard', 'HEAD'], { cwd: target });
  }
  const git = (...args) => core.exec('git', args, { cwd: target });
  // The token for this fetch only: from the environment, never on a command line or on disk.
  const authenticated = (...args) => core.exec('git', args, {
    cwd: target,
    env: {
      ...process.env, GIT_TERMINAL_PROMPT: '0',
      ...(token ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: headerKey, GIT_CONFIG_VALUE_0: header } : {}),
    },
  });
  if (!fs.existsSync(path.join(target, '.git'))) git('init', '--quiet', '-b', 'kaizen-checkout');
  git('config', 'core.hooksPath', '/dev/null');
  core.exec('git', ['remote', 'remove', 'origin'], { cwd: target, allowFailure: true });
  git('remote', 'add', 'origin', served ? `${server}/${repository}` : `file://${path.resolve(source)}`);
  const resolved = /^[0-9a-f]{40}$/.test(ref) ? ref : ref.replace(/^refs\/heads\//, '');
  const fetchArgs = ['fetch', '--quiet', '--prune', core.getBooleanInput('fetch-tags') || depth === 0 ? '--tags' : '--no-tags'];
  if (depth > 0) fetchArgs.push(`--depth=${depth}`);
  const refspecs = depth === 0 ? ['+refs/heads/*:refs/remotes/origin/*', resolved] : [resolved];
  authenticated(...fetchArgs, 'origin', ...refspecs);
  git('checkout', '--quiet', '--force', /^[0-9a-f]{40}$/.test(resolved) ? resolved : 'FETCH_HEAD');
  const commit = git('rev-parse', 'HEAD').stdout.trim();

  if (core.getBooleanInput('persist-credentials')) {
    git('config', '--local', headerKey, header);
    core.saveState('credentialsPath', target);
    core.saveState('credentialsKey', headerKey);
  }
  core.info(`Checked out ${repository}@${ref} (${commit}) into ${target}, depth ${depth || 'all'}`);
  core.setOutput('ref', ref);
  core.setOutput('commit', commit);
});
