// The SAE architectures by name.

import { batchtopkSae } from './batchtopk.js';
import { gatedSae } from './gated.js';
import { jumpreluSae } from './jumprelu.js';
import { matryoshkaSae } from './matryoshka.js';
import { reluSae } from './relu.js';
import { topkSae } from './topk.js';
import type { SaeArch, SaeArchitecture } from './types.js';

/** Every SAE architecture by name. */
export const SAE_ARCHITECTURES: Record<SaeArch, SaeArchitecture> = {
  relu: reluSae,
  topk: topkSae,
  batchtopk: batchtopkSae,
  jumprelu: jumpreluSae,
  gated: gatedSae,
  matryoshka: matryoshkaSae,
};

/** The SAE architecture of a name, e.g. saeArchitecture('topk'). */
export function saeArchitecture(name: SaeArch): SaeArchitecture {
  return SAE_ARCHITECTURES[name];
}
