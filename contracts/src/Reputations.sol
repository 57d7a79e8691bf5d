// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeRegistry} from "./IComputeRegistry.sol";

/// @title Reputations
/// @notice A provider's on-chain reputation: the paid-weighted sums its raters' ratings add to.
/// @dev ComputeRegistry keeps one Rep per provider and calls these (internal: inlined, no calls).
library Reputations {
    /// @dev Per provider, two slots; every sum saturates at its width (never reverts).
    ///      Weighted sums are Σ value × weight, weight = paid / RATING_WEIGHT_UNIT.
    ///      Each slot carries a `primed` byte that registerProvider sets to 1: the registration
    ///      pays for filling both slots (2 × 22,100 gas), so every rating, the first included, only
    ///      changes them (2 × 5,000) and stays under the 60,000-gas rating budget.
    struct Rep {
        // slot A
        uint8 primedA;
        uint32 ratings;
        uint88 paidByRaters; // wei (2^88 wei is over 300 million coins)
        uint64 weight;
        uint64 scoreWeighted;
        // slot B
        uint8 primedB;
        uint88 ttftWeighted;
        uint88 tokensPerSecondWeighted;
        uint72 failuresWeighted;
    }

    /// @notice Fills both slots at registration, so that no rating writes a fresh slot.
    function prime(Rep storage rep) internal {
        rep.primedA = 1;
        rep.primedB = 1;
    }

    /// @notice Adds one rating of weight `w` (what its sender paid, `paid` wei, in weight units).
    function add(Rep storage rep, uint256 paid, uint256 w, uint8 score, uint24 ttftMs, uint24 tokensPerSecond, uint16 failures)
        internal
    {
        rep.ratings = uint32(sat(rep.ratings, 1, type(uint32).max));
        rep.paidByRaters = uint88(sat(rep.paidByRaters, paid, type(uint88).max));
        rep.weight = uint64(sat(rep.weight, w, type(uint64).max));
        rep.scoreWeighted = uint64(sat(rep.scoreWeighted, w * score, type(uint64).max));
        rep.ttftWeighted = uint88(sat(rep.ttftWeighted, w * ttftMs, type(uint88).max));
        rep.tokensPerSecondWeighted = uint88(sat(rep.tokensPerSecondWeighted, w * tokensPerSecond, type(uint88).max));
        rep.failuresWeighted = uint72(sat(rep.failuresWeighted, w * failures, type(uint72).max));
    }

    /// @notice The sums as IComputeRegistry reports them.
    function read(Rep storage rep) internal view returns (IComputeRegistry.Reputation memory out) {
        out.ratings = rep.ratings;
        out.paidByRaters = rep.paidByRaters;
        out.weight = rep.weight;
        out.scoreWeighted = rep.scoreWeighted;
        out.ttftWeighted = rep.ttftWeighted;
        out.tokensPerSecondWeighted = rep.tokensPerSecondWeighted;
        out.failuresWeighted = rep.failuresWeighted;
    }

    /// @dev a + b, or max when that would exceed it.
    function sat(uint256 a, uint256 b, uint256 max) internal pure returns (uint256) {
        uint256 c = a + b; // both < 2^128 here
        return c > max ? max : c;
    }
}
