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

/// @notice An immutable contract that accepts coin only with more than StreamPay's PUSH_GAS (it
///         writes two fresh slots on receipt) and has no function to call claim: without claimFor
///         its deferred payments would be stranded.
contract ExpensiveReceiver {
    uint256 public received;
    mapping(uint256 => uint256) public log;

    receive() external payable {
        received += msg.value;
        log[received] = block.timestamp;
    }
}

/// @notice The invariant handler's hostile party: a contract that really opens streams, is paid by
///         them, withdraws, settles, cancels and claims (any call through `exec`), and refuses coin
///         while `refusing` (toggled by the handler), so that its pushes are deferred.
contract HostileActor {
    bool public refusing = true;

    receive() external payable {
        if (refusing) revert("no coin, thanks");
    }

    function setRefusing(bool r) external {
        refusing = r;
    }

    /// @dev Calls `target` with `value` of this contract's coin; bubbles a revert up unchanged.
    function exec(address target, uint256 value, bytes calldata data) external returns (bytes memory out) {
        bool ok;
        (ok, out) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(out, 32), mload(out))
            }
        }
    }
}

/// @notice A recipient that refuses pushes until armed, then, when paid by `claim`, calls `claim`
///         again once from inside its receive() (a re-entrant double claim must find nothing).
contract ReentrantClaimer {
    StreamPay public immutable sp;
    bool public armed;
    uint256 public reentries;
    uint256 public received;

    constructor(StreamPay sp_) {
        sp = sp_;
    }

    receive() external payable {
        if (!armed) revert("not yet");
        received += msg.value;
        if (reentries == 0) {
            reentries = 1;
            try sp.claim() {} catch {}
        }
    }

    function claimNow() external returns (uint256) {
        armed = true;
        return sp.claim();
    }
}
