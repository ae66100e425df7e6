// actions/download-artifact stand-in: copies an artifact that the upload-artifact stand-in
// stored under $KAIZEN_STANDIN_ARTIFACT_ROOT/<run id>/<name>. The harness gives each act run
// its own id (KAIZEN_STANDIN_RUN_ID), since act numbers every run 1.
'use strict';
const fs = require('fs');
const path = require('path');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

core.run(() => {
  const root = process.env.KAIZEN_STANDIN_ARTIFACT_ROOT;
  if (!root) throw new Error('KAIZEN_STANDIN_ARTIFACT_ROOT is not set: the local harness sets it');
  let runId = core.getInput('run-id') || process.env.GITHUB_RUN_ID;
  if (runId === process.env.GITHUB_RUN_ID) runId = process.env.KAIZEN_STANDIN_RUN_ID;
  else if (!core.getInput('github-token')) throw new Error('github-token is required to download from another run');
  const runDir = path.join(root, String(runId));
  const name = core.getInput('name');
  const pattern = core.getInput('pattern');
  const names = fs.existsSync(runDir) ? fs.readdirSync(runDir) : [];
  const wanted = name ? names.filter((n) => n === name)
    : names.filter((n) => !pattern || new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(n));
  if (name && !wanted.length) throw new Error(`Artifact not found for name: ${name}`);
  const target = path.resolve(process.env.GITHUB_WORKSPACE || '.', core.getInput('path') || '.');
  const single = Boolean(name) || core.getBooleanInput('merge-multiple');
  for (const artifact of wanted) {
    const dest = single ? target : path.join(target, artifact);
    fs.mkdirSync(dest, { recursive: true });
    fs.cpSync(path.join(runDir, artifact), dest, { recursive: true });
    core.info(`Artifact ${artifact} downloaded to ${dest}`);
  }
  core.setOutput('download-path', target);
});
