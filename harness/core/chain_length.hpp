// How a configured number of steps becomes the chain the kernels run: one definition for the
// runner (which launches it) and the config (which refuses lengths that would collapse).
#pragma once

namespace tcb {

// Chains alternate B and -B, so an odd chain ends at C + A*B, never back at C (which would hide
// a kernel that did nothing). Steps are therefore rounded up to the next odd count: 256 and 257
// both run 257 steps. Lengths closer than this after rounding are the same chain.
constexpr long kChainLengthGranularity = 2;
constexpr long chain_length(long steps) { return steps | 1; }

}  // namespace tcb
