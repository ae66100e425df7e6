// Render a Markdown report as GitHub shows a comment: GFM (marked) with ```mermaid blocks drawn
// by Mermaid, in headless Chromium. Prints a JSON summary (blocks, drawn SVGs, Mermaid errors,
// tables, the page's text) and writes a full-page screenshot.
//   node tests/render/render_report.mjs REPORT.md SCREENSHOT.png
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { marked } from 'marked';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const [, , reportPath, screenshotPath] = process.argv;
const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

marked.use({
  gfm: true,
  renderer: {
    code({ text, lang }) {
      return lang === 'mermaid' ? `<pre class="mermaid">${escape(text)}</pre>\n` : false;
    },
  },
});
const body = marked.parse(fs.readFileSync(reportPath, 'utf8'));
const html = `<!doctype html><html><head><meta charset="utf-8"><style>
  body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px;
         max-width: 880px; margin: 16px auto; color: #1f2328; }
  table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #d1d9e0; padding: 4px 10px; }
  pre.mermaid { background: #fff; }
</style></head><body>${body}</body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 900 } });
  const consoleErrors = [];
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.setContent(html);
  await page.addScriptTag({ path: path.join(root, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
  const result = await page.evaluate(async () => {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    const blocks = [...document.querySelectorAll('pre.mermaid')];
    const errors = [];
    for (const [index, block] of blocks.entries()) {
      try {
        await window.mermaid.parse(block.textContent);
      } catch (error) {
        errors.push(`mermaid block ${index + 1}: ${error.message || error}`);
      }
    }
    try {
      await window.mermaid.run({ nodes: blocks, suppressErrors: false });
    } catch (error) {
      errors.push(`mermaid.run: ${error.message || error}`);
    }
    const svgs = [...document.querySelectorAll('pre.mermaid svg')];
    for (const svg of svgs) {
      if (/Syntax error/i.test(svg.textContent)) errors.push('a diagram rendered as a syntax error');
    }
    return {
      blocks: blocks.length,
      svgs: svgs.length,
      lines: svgs.map((svg) => svg.querySelectorAll('path, polyline, rect').length),
      errors,
      tables: document.querySelectorAll('table').length,
      images: document.querySelectorAll('img').length,
      text: document.body.innerText,
    };
  });
  result.errors.push(...consoleErrors);
  await page.screenshot({ path: screenshotPath, fullPage: true });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
