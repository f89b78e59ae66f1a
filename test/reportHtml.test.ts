// The offline report page: the paper's setting beside ours, where a claim records it, as a table
// of its own (escaped), and nothing where a claim records none.

import { describe, expect, it } from 'vitest';
import { reportHtml, type HtmlClaim } from '../src/report/reportHtml.js';

function claim(config: unknown): HtmlClaim {
  return { id: '5-correlated', claim: 'c', source: 's', measured: 'm', rule: 'r', verdict: 'reproduced', config, figures: [] };
}

const report = (claims: HtmlClaim[]) =>
  reportHtml({ title: 't', version: '0.0.0', quick: true, startedAt: '2026-01-01T00:00:00Z', runtimeSeconds: 1, claims });

describe('reportHtml', () => {
  it('draws config.paperVsOurs as a table, one row per aspect, escaped', () => {
    const html = report([claim({ paperVsOurs: [{ aspect: 'optimizer', paper: 'AdamW <wd 0.01>', ours: 'Adam', why: 'the default' }] })]);
    expect(html).toContain("<caption>the paper's setting beside ours</caption>");
    expect(html).toContain('<td>optimizer</td><td>AdamW &lt;wd 0.01&gt;</td><td>Adam</td><td>the default</td>');
  });

  it('draws no such table for a claim without it', () => {
    expect(report([claim({ seeds: [0, 1] })])).not.toContain("the paper's setting beside ours");
    expect(report([claim(undefined)])).not.toContain("the paper's setting beside ours");
  });
});
