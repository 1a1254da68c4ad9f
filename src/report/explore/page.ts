// The frame of explore.html: head (style, Content-Security-Policy), the static markup the script fills in, and the
// script itself: src/report/explore/browser bundled at build time (scripts/build-explore.mjs) into
// dist/report/explore/explorer.js, inlined here, so that the page opens from disk with nothing else.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { W2sError, EXIT_FAILURE } from '../../errors.js';
import { documentHead, escapeHtml } from '../escape.js';

/** Where the bundle lies: beside the compiled module, or in dist/ when this module runs from the sources (tests). */
const BUNDLE_CANDIDATES = [new URL('./explorer.js', import.meta.url), new URL('../../../dist/report/explore/explorer.js', import.meta.url)].map((u) => fileURLToPath(u));

export interface ExplorerScript {
  text: string;
  /** The CSP source that allows exactly this inline script. */
  hash: string;
}

let cached: { path: string; mtimeMs: number; script: ExplorerScript } | undefined;

/** The page's script; a missing bundle is a broken install or a checkout that was never built. */
export function explorerScript(): ExplorerScript {
  const path = BUNDLE_CANDIDATES.find((p) => existsSync(p));
  if (path === undefined) throw new W2sError(`the explorer's script is missing (${BUNDLE_CANDIDATES[0]}); run npm run build`, {}, EXIT_FAILURE);
  const { mtimeMs } = statSync(path);
  if (cached?.path === path && cached.mtimeMs === mtimeMs) return cached.script;
  const text = readFileSync(path, 'utf8');
  // The script sits inside <script>...</script>: it must not end that element early.
  if (/<\/script/i.test(text)) throw new W2sError(`the explorer's script contains "</script" and cannot be inlined (${path})`, {}, EXIT_FAILURE);
  const script = { text, hash: `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'` };
  cached = { path, mtimeMs, script };
  return script;
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;line-height:1.4;font-size:14px}
header{padding:.8rem 1.2rem .4rem}h1{font-size:1.3rem;margin:0}
header p{margin:.2rem 0;color:#555;font-size:.85rem;overflow-wrap:anywhere}
main{padding:0 1.2rem 1.2rem}
#status{color:#a40}
#controls{display:flex;flex-wrap:wrap;gap:.6rem 1.6rem;align-items:center;padding:.5rem 0}
#controls label{display:flex;gap:.4rem;align-items:center}
#percentile{width:16rem}#temperature{width:5rem}
#numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.2rem 1rem;margin:.3rem 0 .6rem;padding:0}
#numbers div{display:flex;justify-content:space-between;border-bottom:1px solid #eee;padding:.1rem 0}
#numbers dt{color:#555}#numbers dd{margin:0;font-variant-numeric:tabular-nums;font-weight:600}
#charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}figcaption{font-size:.8rem;color:#555;max-width:440px}
svg text{font-size:10px;fill:#444}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.8rem 0 .3rem}
.filters input[type=search]{width:18rem}
#grid{border:1px solid #ccc;font-size:13px}
.row{display:grid;grid-template-columns:var(--columns);height:26px;align-items:center;border-bottom:1px solid #eee;cursor:pointer}
.row>span{padding:0 .4rem;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.row:hover{background:#f3f7fb}.row.selected{background:#e3eefa}
.row.dropped{color:#777}
.head{background:#f4f4f4;font-weight:600;cursor:default;border-bottom:1px solid #ccc}
.head button{all:unset;cursor:pointer;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;width:100%}
.head button[aria-sort=ascending]::after{content:" \\25B2"}.head button[aria-sort=descending]::after{content:" \\25BC"}
.num{text-align:right;font-variant-numeric:tabular-nums}
.yes{color:#176b2c}.no{color:#a11}
#viewport{height:min(60vh,560px);overflow-y:auto;position:relative}
#spacer{position:relative}#rows{position:absolute;left:0;right:0;top:0}
#detail{border:1px solid #bbb;margin-top:1rem;padding:.6rem .8rem;background:#fcfcfc}
#detail h2{font-size:1.05rem;margin:.2rem 0 .5rem;overflow-wrap:anywhere}
#detail table{border-collapse:collapse;margin:.3rem 0 .6rem}
#detail th,#detail td{border:1px solid #ccc;padding:.15rem .5rem;text-align:right}
#detail th{background:#f4f4f4}#detail td.text{text-align:left}
.variations{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(18rem,1fr);gap:.6rem;overflow-x:auto}
.variation{border:1px solid #ddd;padding:.4rem;background:#fff}
.variation h3{font-size:.9rem;margin:0 0 .3rem}
.variation pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;margin:.2rem 0 .5rem;max-height:24rem;overflow:auto;background:#f7f7f7;padding:.3rem}
`;

/** Everything before the embedded data: the data blocks follow, then {@link pageTail}. */
export function pageHead(script: ExplorerScript, title: string): string {
  return [
    // Nothing may be loaded: only the inline style and exactly the inline script below run.
    ...documentHead(`w2s explore: ${title}`, `default-src 'none'; style-src 'unsafe-inline'; script-src ${script.hash}`, STYLE),
    `<header><h1>${escapeHtml(`w2s explore: ${title}`)}</h1><p id="source"></p></header>`,
    '<main>',
    '<p id="status">Loading the answers…</p>',
    '<noscript><p>This page needs JavaScript: it computes reliability and selection in the browser.</p></noscript>',
    '<section id="controls" hidden>',
    '<label for="percentile">tau percentile P <input type="range" id="percentile" min="0" max="100" step="1"> <output id="percentile-value" for="percentile"></output></label>',
    '<label for="temperature">temperature T (Eq. 4) <input type="number" id="temperature" min="0.01" step="0.05"></label>',
    '</section>',
    '<dl id="numbers" hidden></dl>',
    '<section id="charts" hidden>',
    '<figure><div id="histogram"></div><figcaption>Questions by entropy (Fig. 3): dark bars are kept (S_ent ≤ tau), pale ones dropped; green: the original prompt\'s answer is right, red: wrong (grey without gold answers).</figcaption></figure>',
    '<figure><div id="risk-coverage"></div><figcaption>Risk-coverage of -entropy (questions with gold answers, most reliable first): the dot is the current threshold.</figcaption></figure>',
    '</section>',
    '<section id="questions" hidden>',
    '<div class="filters">',
    '<label>show <select id="filter-kept"><option value="all">all</option><option value="kept">kept</option><option value="dropped">dropped</option></select></label>',
    '<label id="filter-correct-label">weak label <select id="filter-correct"><option value="all">all</option><option value="correct">correct</option><option value="wrong">wrong</option></select></label>',
    '<label>search <input type="search" id="search" placeholder="id, prompt or answer"></label>',
    '<span id="shown"></span>',
    '</div>',
    '<div id="grid" role="table"><div id="head" class="row head" role="row"></div><div id="viewport"><div id="spacer"><div id="rows" role="rowgroup"></div></div></div></div>',
    '</section>',
    '<section id="detail" hidden></section>',
    '</main>',
    '',
  ].join('\n');
}

/** After the data blocks: the script, and the end of the page. */
export function pageTail(script: ExplorerScript): string {
  return `<script>${script.text}</script>\n</body>\n</html>\n`;
}
