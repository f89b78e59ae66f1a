// The CLI's flag table (src/cli/flagTable.generated.ts, written by `npm run build` so that --help
// need not load zod) is what the zod schemas say: a schema edited without a build fails here.

import { describe, expect, it } from 'vitest';
import { SAE_FLAGS, TOY_FLAGS } from '../src/cli/flagTable.generated.js';
import { flagFields } from '../src/config/flags.js';
import { saeFieldFlags } from '../src/config/sae.js';
import { toyFieldFlags } from '../src/config/toy.js';

describe('generated flag table', () => {
  it('equals the flags derived from the schemas at run time (else: npm run build)', () => {
    expect(TOY_FLAGS).toEqual(flagFields(toyFieldFlags()));
    expect(SAE_FLAGS).toEqual(flagFields(saeFieldFlags()));
  });
});
