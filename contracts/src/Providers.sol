// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeRegistry} from "./IComputeRegistry.sol";
import {Errors} from "./Errors.sol";

/// @title Providers
/// @notice A provider's stored record, how it reads as IComputeRegistry.Provider, and the checks
///         its registration inputs pass.
/// @dev ComputeRegistry keeps one Record per provider id and calls these (internal: inlined).
library Providers {
    struct Record {
        // slot 0: what a consumer needs to pay
        address wallet;
        uint96 pricePerSecond;
        // slot 1: flags, list link and the counters recordCompletion updates
        uint40 registeredAt;
        uint8 serviceType;
        bool active;
        bool retired;
        uint32 nextByModel; // next (older) id of the same model, 0 at the end
        uint64 completedJobs; // saturating
        uint96 totalEarned; // saturating
        // further slots
        string model;
        string endpoint;
    }

    /// @notice The record of provider `id` as the registry's views return it.
    function toView(Record storage r, uint256 id) internal view returns (IComputeRegistry.Provider memory p) {
        p.id = id;
        p.wallet = r.wallet;
        p.model = r.model;
        p.endpoint = r.endpoint;
        p.pricePerSecond = r.pricePerSecond;
        p.serviceType = r.serviceType;
        p.active = r.active;
        p.retired = r.retired;
        p.completedJobs = r.completedJobs;
        p.totalEarned = r.totalEarned;
        p.registeredAt = r.registeredAt;
    }

    /// @notice A model name is 1..maxLength bytes.
    function checkModel(string calldata model, uint256 maxLength) internal pure {
        uint256 len = bytes(model).length;
        if (len == 0 || len > maxLength) revert Errors.InvalidModel(len, maxLength);
    }

    /// @notice An endpoint is 1..maxLength bytes.
    function checkEndpoint(string calldata endpoint, uint256 maxLength) internal pure {
        uint256 len = bytes(endpoint).length;
        if (len == 0 || len > maxLength) revert Errors.InvalidEndpoint(len, maxLength);
    }

    /// @notice A price is non-zero and fits the record's 96 bits.
    function checkPrice(uint256 pricePerSecond) internal pure {
        if (pricePerSecond == 0 || pricePerSecond > type(uint96).max) {
            revert Errors.InvalidPrice(pricePerSecond, type(uint96).max);
        }
    }
}
