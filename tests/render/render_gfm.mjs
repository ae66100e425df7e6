// Render Markdown documents as GFM HTML (marked, as tests/render/render_report.mjs does, without
// the browser): reads a JSON list of Markdown texts on stdin, writes a JSON list of HTML.
//   echo '["**x**"]' | node tests/render/render_gfm.mjs
import { marked } from 'marked';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const documents = JSON.parse(input);
  process.stdout.write(JSON.stringify(documents.map((text) => marked.parse(text, { gfm: true }))));
});
