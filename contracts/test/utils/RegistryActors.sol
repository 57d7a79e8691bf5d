// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ComputeRegistry} from "../../src/ComputeRegistry.sol";

/// @notice A bond payee that, when paid, calls claimBond once more from inside its receive() for
///         another retired provider whose bond is also due (a double payout must not happen).
contract ReentrantBondPayee {
    ComputeRegistry public immutable registry;
    uint256 public target;
    uint256 public received;
    bool public reentered;

    constructor(ComputeRegistry registry_) {
        registry = registry_;
    }

    function setTarget(uint256 providerId) external {
        target = providerId;
    }

    receive() external payable {
        received += msg.value;
        if (!reentered) {
            reentered = true;
            try registry.claimBond(target) {} catch {}
        }
    }
}
