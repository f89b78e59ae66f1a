/**
 * Headless rendering of vega-lite specs to SVG (vega, renderer 'none') and PNG (resvg).
 *
 * Text in the PNG only appears if resvg can resolve the SVG's font-family, so every spec is
 * rendered with `config.font = 'DejaVu Sans'` (installed system font) unless it sets its own.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** Font used for all text; must be installed where resvg can find it. */
export const PLOT_FONT = 'DejaVu Sans';

/** Explicit font directories for resvg, in addition to the system fonts. */
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu'];

/** Adds the default font and a white background to a spec's config, keeping any explicit settings. */
function withDefaults(spec: TopLevelSpec): TopLevelSpec {
  return {
    ...spec,
    config: { font: PLOT_FONT, background: 'white', ...spec.config },
  } as TopLevelSpec;
}

/**
 * Renders a vega-lite spec to an SVG string and a PNG (2× zoom) byte array, then collects the
 * garbage where Node exposes gc (the `superposition` command runs with --expose-gc). Why: a plot
 * leaves tens of MB of garbage (a 100 × 100 Gram heatmap: ~22 MB of vega objects and strings, and
 * resvg's pixmap outside the JS heap, which V8 does not count), and V8 lets it pile up between its
 * own collections: W3's 24 plots peaked at ~900 MiB without this.
 */
export async function renderSpec(spec: TopLevelSpec): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await toSvg(spec);
  const png = toPng(svg);
  (globalThis as { gc?: () => void }).gc?.();
  return { svg, png };
}

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const vgSpec = compile(withDefaults(spec)).spec;
  const view = new View(parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function toPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: true,
      fontDirs: FONT_DIRS,
      defaultFontFamily: PLOT_FONT,
      sansSerifFamily: PLOT_FONT,
    },
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    logLevel: 'off',
  });
  return new Uint8Array(resvg.render().asPng());
}

/** Writes `data` to `file` atomically: a sibling `.tmp` file is written first, then renamed. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

/** Renders `spec` and writes `dir/name.svg` and `dir/name.png`, creating `dir` if needed. */
export async function writePlot(dir: string, name: string, spec: TopLevelSpec): Promise<void> {
  const { svg, png } = await renderSpec(spec);
  await fs.mkdir(dir, { recursive: true });
  await writeAtomic(path.join(dir, `${name}.svg`), svg);
  await writeAtomic(path.join(dir, `${name}.png`), png);
}
