// Claim 10's figure: feature absorption per SAE architecture (a dot per SAE seed, a bar at the
// mean) beside the L0 each SAE reached, so "at equal L0" can be read off the same page.

import type { TopLevelSpec } from 'vega-lite';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** rows: one per SAE; trueL0 the data's mean number of active features (a dashed rule). */
export function absorptionSpec(rows: { arch: string; seed: number; absorption: number | null; l0: number }[], trueL0: number): TopLevelSpec {
  const values = rows.map((r) => ({ ...r, absorption: r.absorption ?? null, l0: Number.isFinite(r.l0) ? r.l0 : null }));
  const x = { field: 'arch', type: 'nominal', title: 'SAE', axis: { labelAngle: 0 } };
  const color = { field: 'arch', type: 'nominal', legend: null };
  const panel = (field: 'absorption' | 'l0', title: string, extra: object[] = []) => ({
    width: 160,
    height: 200,
    layer: [
      { mark: { type: 'bar', opacity: 0.3 }, encoding: { x, y: { aggregate: 'mean', field, type: 'quantitative', title }, color } },
      { mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y: { field, type: 'quantitative' }, color, tooltip: [{ field: 'seed' }, { field }] } },
      ...extra,
    ],
  });
  const trueRule = Number.isFinite(trueL0)
    ? [{ data: { values: [{ trueL0 }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'trueL0', type: 'quantitative' } } }]
    : [];
  return {
    $schema: SCHEMA,
    title: { text: 'Feature absorption on hierarchical features', subtitle: 'fraction of parent-active samples where the parent latent is silent and a child latent fires' },
    data: { values },
    hconcat: [panel('absorption', 'absorption'), panel('l0', 'L0 (active latents per sample)', trueRule)],
  } as TopLevelSpec;
}
