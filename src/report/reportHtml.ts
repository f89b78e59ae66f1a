// One self-contained HTML page for the reproduce report: inline CSS, inline SVG figures, no
// scripts and no external URLs, so it opens offline from a file.

export interface HtmlFigure {
  caption: string;
  svg: string;
}

export interface HtmlClaim {
  id: string;
  claim: string;
  source: string;
  measured: string;
  rule: string;
  verdict: string;
  reason?: string;
  config?: unknown;
  numbers?: unknown;
  figures: HtmlFigure[];
}

export interface HtmlReport {
  title: string;
  version: string;
  quick: boolean;
  startedAt: string;
  runtimeSeconds: number;
  /** One line on how this run was made (e.g. quick settings). */
  note?: string;
  claims: HtmlClaim[];
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The SVG without an XML prolog, and without external references (vega's SVG has none, but be sure). */
function inlineSvg(svg: string): string {
  return svg.replace(/<\?xml[^>]*\?>/, '').replace(/\s(?:xlink:)?href="https?:[^"]*"/g, '');
}

const CSS = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; font-size: 0.9em; }
table.verdicts, table.settings { border-collapse: collapse; width: 100%; font-size: 0.85em; }
table.verdicts th, table.verdicts td, table.settings th, table.settings td { border: 1px solid #ccc; padding: 6px 8px; vertical-align: top; text-align: left; }
table.verdicts th, table.settings th { background: #f3f3f3; }
.verdict { font-weight: bold; white-space: nowrap; padding: 2px 8px; border-radius: 10px; }
.v-reproduced { background: #d4f0d4; color: #14591a; }
.v-partly { background: #fff1c2; color: #7a5b00; }
.v-not-reproduced { background: #f8d0d0; color: #8a1717; }
.v-not-run { background: #e6e6e6; color: #555; }
figure { margin: 16px 0; overflow-x: auto; }
figure svg { display: block; max-width: none; }
figcaption { font-size: 0.85em; color: #444; margin-top: 4px; max-width: 900px; }
details { margin: 8px 0; font-size: 0.85em; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; max-height: 320px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; font-size: 0.9em; }
dt { font-weight: bold; }
dd { margin: 0; }
`;

function verdictBadge(verdict: string): string {
  return `<span class="verdict v-${verdict.replace(/\s+/g, '-')}">${escapeHtml(verdict)}</span>`;
}

export function reportHtml(report: HtmlReport): string {
  const rows = report.claims
    .map(
      (c) =>
        `<tr><td><a href="#${escapeHtml(c.id)}">${escapeHtml(c.id)}</a><br>${escapeHtml(c.claim)}</td><td>${escapeHtml(c.source)}</td>` +
        `<td>${escapeHtml(c.reason ?? c.measured)}</td><td>${escapeHtml(c.rule)}</td><td>${verdictBadge(c.verdict)}</td></tr>`,
    )
    .join('\n');
  const sections = report.claims
    .map((c) => {
      const figures = c.figures
        .map((f) => `<figure>${inlineSvg(f.svg)}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`)
        .join('\n');
      const details = [
        settingsTable(c.config),
        c.config === undefined ? '' : `<details><summary>config and seeds</summary><pre>${escapeHtml(JSON.stringify(c.config, null, 2))}</pre></details>`,
        c.numbers === undefined ? '' : `<details><summary>numbers</summary><pre>${escapeHtml(JSON.stringify(c.numbers, roundReplacer, 1))}</pre></details>`,
      ].join('\n');
      return (
        `<section id="${escapeHtml(c.id)}"><h2>${escapeHtml(c.id)} ${verdictBadge(c.verdict)}</h2>` +
        `<dl><dt>claim</dt><dd>${escapeHtml(c.claim)}</dd><dt>source</dt><dd>${escapeHtml(c.source)}</dd>` +
        `<dt>rule</dt><dd>${escapeHtml(c.rule)}</dd><dt>measured</dt><dd>${escapeHtml(c.reason ?? c.measured)}</dd></dl>\n` +
        `${figures}\n${details}</section>`
      );
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p class="meta">superposition-lab ${escapeHtml(report.version)} · ${report.quick ? '--quick' : 'full run'}${report.note ? ` · ${escapeHtml(report.note)}` : ''} · started ${escapeHtml(report.startedAt)} · ${report.runtimeSeconds.toFixed(0)} s</p>
<table class="verdicts">
<thead><tr><th>claim</th><th>source</th><th>measured</th><th>rule</th><th>verdict</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${sections}
</body>
</html>
`;
}

/** Where a claim's setting differs from the paper's: one row per aspect (config.paperVsOurs). */
interface SettingDiff {
  aspect: string;
  paper: string;
  ours: string;
  why: string;
}

/** The paper's setting beside ours, as a table, where the claim records it. */
function settingsTable(config: unknown): string {
  const diffs = (config as { paperVsOurs?: SettingDiff[] } | undefined)?.paperVsOurs;
  if (!Array.isArray(diffs) || diffs.length === 0) return '';
  const rows = diffs
    .map((d) => `<tr><td>${escapeHtml(d.aspect)}</td><td>${escapeHtml(d.paper)}</td><td>${escapeHtml(d.ours)}</td><td>${escapeHtml(d.why)}</td></tr>`)
    .join('');
  return `<table class="settings"><caption>the paper's setting beside ours</caption><tr><th>aspect</th><th>paper</th><th>ours</th><th>why</th></tr>${rows}</table>`;
}

/** JSON.stringify replacer: numbers to 4 significant digits. */
function roundReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value;
}
