// actions/upload-artifact stand-in: copies the files into
// $KAIZEN_STANDIN_ARTIFACT_ROOT/<run id>/<name>/, keeping their paths relative to the
// common root like the real action does. The harness gives each run its own id.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const core = require(process.env.KAIZEN_STANDIN_TOOLKIT);

function collect(patterns, includeHidden) {
  const files = new Set();
  const roots = [];
  for (const raw of patterns.split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (raw.startsWith('!')) continue;
    const full = path.resolve(process.env.GITHUB_WORKSPACE || '.', raw);
    if (fs.existsSync(full) && fs.statSync(full).isDirectory()) {
      roots.push(full);
      core.walk(full, new Set()).forEach((f) => files.add(f));
    } else if (fs.existsSync(full)) {
      roots.push(path.dirname(full));
      files.add(full);
    } else {
      const base = full.split(/[*?[]/)[0];
      roots.push(path.dirname(base));
      core.globFiles(raw, process.env.GITHUB_WORKSPACE || '.').forEach((f) => files.add(f));
    }
  }
  const root = roots.length === 1 ? roots[0] : commonRoot(roots);
  // Hidden means a dot-named file or folder below the searched path, as in the real action: the
  // folders above it (say a runner temp dir inside ~/.cache) don't count.
  const hidden = (f) => path.relative(root, f).split(path.sep).some((part) => part.startsWith('.') && part.length > 1 && part !== '..');
  const visible = [...files].filter((f) => includeHidden || !hidden(f));
  return { files: visible.sort(), root };
}

function commonRoot(dirs) {
  if (!dirs.length) return '/';
  let common = dirs[0].split(path.sep);
  for (const dir of dirs.slice(1)) {
    const parts = dir.split(path.sep);
    let i = 0;
    while (i < common.length && common[i] === parts[i]) i += 1;
    common = common.slice(0, i);
  }
  return common.join(path.sep) || '/';
}

core.run(() => {
  const name = core.getInput('name') || 'artifact';
  if (/["':<>|*?\\/\r\n]/.test(name)) throw new Error(`The artifact name is not valid: ${name}`);
  const store = process.env.KAIZEN_STANDIN_ARTIFACT_ROOT;
  if (!store) throw new Error('KAIZEN_STANDIN_ARTIFACT_ROOT is not set: the local harness sets it');
  const { files, root } = collect(core.getInput('path', { required: true }), core.getBooleanInput('include-hidden-files'));
  if (!files.length) {
    const mode = core.getInput('if-no-files-found') || 'warn';
    const message = `No files were found with the provided path: ${core.getInput('path')}. No artifacts will be uploaded.`;
    if (mode === 'error') throw new Error(message);
    if (mode === 'warn') core.warning(message);
    else core.info(message);
    return;
  }
  const target = path.join(store, process.env.KAIZEN_STANDIN_RUN_ID || 'run', name);
  if (fs.existsSync(target)) {
    if (!core.getBooleanInput('overwrite')) {
      throw new Error(`Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run`);
    }
    fs.rmSync(target, { recursive: true });
  }
  const digest = crypto.createHash('sha256');
  for (const file of files) {
    const relative = path.relative(root, file);
    fs.mkdirSync(path.dirname(path.join(target, relative)), { recursive: true });
    fs.copyFileSync(file, path.join(target, relative));
    digest.update(relative).update(fs.readFileSync(file));
  }
  const id = String(Date.now());
  core.info(`Artifact ${name} has been successfully uploaded! Final size is ${files.length} file(s). Artifact ID is ${id}`);
  core.setOutput('artifact-id', id);
  core.setOutput('artifact-url', `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}/artifacts/${id}`);
  core.setOutput('artifact-digest', digest.digest('hex'));
});
