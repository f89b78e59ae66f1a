// The one type the SAE kernels share with the architectures above them (src/models/sae/types.ts
// re-exports it): an SAE's size.

/** An SAE's size: input dimension m and dictionary size d. */
export interface SaeShape {
  nInput: number; // m, the toy model's hidden size
  dictSize: number; // d, the number of latents
}
