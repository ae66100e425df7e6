// Minimal @actions/core equivalents for Kaizen's offline stand-ins: no dependencies, so the
// stand-ins run on the machine's Node without an install step.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

function getInput(name, { required = false } = {}) {
  const value = (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
  if (required && !value) throw new Error(`Input required and not supplied: ${name}`);
  return value;
}

function getBooleanInput(name) {
  const value = getInput(name).toLowerCase();
  if (['true', 'yes', 'y', 'on', '1'].includes(value)) return true;
  if (['false', 'no', 'n', 'off', '0', ''].includes(value)) return false;
  throw new Error(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}`);
}

function appendKeyValue(fileVar, name, value) {
  const file = process.env[fileVar];
  const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
  fs.appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

const setOutput = (name, value) => appendKeyValue('GITHUB_OUTPUT', name, String(value));
const saveState = (name, value) => appendKeyValue('GITHUB_STATE', name, String(value));
const getState = (name) => process.env[`STATE_${name}`] || '';
const exportVariable = (name, value) => {
  process.env[name] = value;
  appendKeyValue('GITHUB_ENV', name, value);
};
const addPath = (dir) => {
  fs.appendFileSync(process.env.GITHUB_PATH, `${dir}\n`);
  process.env.PATH = `${dir}${path.delimiter}${process.env.PATH}`;
};
const info = (message) => console.log(message);
const warning = (message) => console.log(`::warning::${message}`);
const setFailed = (message) => {
  console.log(`::error::${message}`);
  process.exitCode = 1;
};

function exec(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return result;
}

// Glob patterns as @actions/glob reads them: one per line, `**` for any depth, `!` excludes.
function globToRegExp(pattern) {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i += 1;
      if (pattern[i + 1] === '/') i += 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function walk(root, skip = new Set(['.git', 'node_modules'])) {
  const files = [];
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  if (fs.existsSync(root)) visit(root);
  return files;
}

function globFiles(patterns, base) {
  const lines = patterns.split('\n').map((l) => l.trim()).filter(Boolean);
  const include = lines.filter((l) => !l.startsWith('!')).map((l) => globToRegExp(path.resolve(base, l)));
  const exclude = lines.filter((l) => l.startsWith('!')).map((l) => globToRegExp(path.resolve(base, l.slice(1))));
  return walk(base).filter((f) => include.some((r) => r.test(f)) && !exclude.some((r) => r.test(f))).sort();
}

function hashFiles(files) {
  const hash = crypto.createHash('sha256');
  for (const file of files) hash.update(crypto.createHash('sha256').update(fs.readFileSync(file)).digest());
  return hash.digest('hex');
}

// The Actions cache, as a folder of tar archives named by key (KAIZEN_STANDIN_CACHE_DIR).
function cacheStore() {
  const store = process.env.KAIZEN_STANDIN_CACHE_DIR;
  if (!store) throw new Error('KAIZEN_STANDIN_CACHE_DIR is not set: the local harness sets it');
  fs.mkdirSync(store, { recursive: true });
  return store;
}

const archiveOf = (key) => path.join(cacheStore(), `${encodeURIComponent(key)}.tar`);

// Restore the entry saved under `key`, or else the newest whose key starts with one of the
// restore keys (in order), into `cwd`. Returns the matched key, or '' on a miss.
function restoreCache(cwd, key, restoreKeys = []) {
  let matched = fs.existsSync(archiveOf(key)) ? key : '';
  for (const prefix of restoreKeys) {
    if (matched) break;
    const candidates = fs.readdirSync(cacheStore())
      .filter((name) => name.endsWith('.tar') && decodeURIComponent(name.slice(0, -4)).startsWith(prefix))
      .map((name) => ({ key: decodeURIComponent(name.slice(0, -4)), time: fs.statSync(path.join(cacheStore(), name)).mtimeMs }))
      .sort((a, b) => b.time - a.time);
    if (candidates.length) matched = candidates[0].key;
  }
  if (matched) {
    fs.mkdirSync(cwd, { recursive: true });
    exec('tar', ['-xf', archiveOf(matched), '-C', cwd]);
  }
  return matched;
}

// Save `paths` (relative to `cwd`) under `key`; the first job to save a key keeps it, as on GitHub.
function saveCache(cwd, paths, key) {
  const archive = archiveOf(key);
  if (fs.existsSync(archive)) {
    info(`Cache with key ${key} already exists: another job saved it first.`);
    return false;
  }
  const partial = `${archive}.${process.pid}.partial`;
  exec('tar', ['-cf', partial, '-C', cwd, ...paths]);
  fs.renameSync(partial, archive);
  return true;
}

function run(main) {
  try {
    main();
  } catch (error) {
    setFailed(error.message);
  }
}

module.exports = {
  getInput, getBooleanInput, setOutput, saveState, getState, exportVariable, addPath, info, warning,
  setFailed, exec, globFiles, hashFiles, walk, run, restoreCache, saveCache,
};
