// The failure of SAE training, apart from the training (trainSae.ts) so that the CLI's failure
// handler can know the class without loading the SAE code.

/** An SAE's loss became NaN or ±∞; training stops. */
export class SaeDivergenceError extends Error {
  override name = 'SaeDivergenceError';
  constructor(
    readonly sae: number,
    readonly step: number,
  ) {
    super(`SAE ${sae}'s loss became non-finite at step ${step}`);
  }
}
