// Percent agreement: of all pairs of ratings given to the same unit, the share that agree.

export function percentAgreement<T>(units: readonly (readonly T[])[]): number | null {
  let pairs = 0;
  let agreeing = 0;
  for (const unit of units) {
    for (let i = 0; i < unit.length; i++) {
      for (let j = i + 1; j < unit.length; j++) {
        pairs++;
        if (unit[i] === unit[j]) agreeing++;
      }
    }
  }
  return pairs === 0 ? null : agreeing / pairs;
}
