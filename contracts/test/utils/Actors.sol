// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StreamPay} from "../../src/StreamPay.sol";

/// @notice A receiver that refuses native coin (its pushes must be deferred, never block).
contract RevertingReceiver {
    receive() external payable {
        revert("no coin, thanks");
    }

    function create(StreamPay sp, address recipient, uint256 duration, uint256 providerId)
        external
        payable
        returns (uint256)
    {
        return sp.createStream{value: msg.value}(recipient, duration, 0, providerId);
    }

    function cancel(StreamPay sp, uint256 id) external {
        sp.cancelStream(id);
    }

    function claimTo(StreamPay sp, address payable to) external returns (uint256) {
        return sp.claimTo(to);
    }
}

/// @notice A receiver that burns all the gas it is given.
contract GasBurner {
    receive() external payable {
        while (true) {}
    }
}
