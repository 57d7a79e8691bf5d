// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeRegistry} from "./IComputeRegistry.sol";
import {Errors} from "./Errors.sol";
import {StreamPay} from "./StreamPay.sol";

/// @title ComputeRegistry
/// @notice Directory of compute providers. See IComputeRegistry for the behaviour of each function.
/// @dev Binding: the constructor deploys the StreamPay it trusts and keeps its address immutable,
///      so the two are bound atomically and nobody (not even the deployer) has a privileged path.
///      Storage per provider: two packed slots plus the two strings. Providers of one model are
///      chained in a linked list (head per model hash, `next` per provider), so
///      getCheapestProvider walks only that model's providers and registration stays O(1).
///      getProviderIdsByWallet and getActiveProviderIds are views that scan all ids (about 2,400
///      gas per provider in an eth_call): an index per wallet would cost every new wallet another
///      fresh slot (22,100 gas) at registration.
contract ComputeRegistry is IComputeRegistry {
    /// @notice Longest model name accepted, in bytes.
    uint256 public constant MAX_MODEL_LENGTH = 128;
    /// @notice Longest endpoint accepted, in bytes.
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice Ids are stored as uint32.
    uint256 public constant MAX_PROVIDERS = type(uint32).max;

    struct Record {
        // slot 0: what a consumer needs to pay
        address wallet;
        uint96 pricePerSecond;
        // slot 1: flags, list links and the counters recordCompletion updates
        uint40 registeredAt;
        uint8 serviceType;
        bool active;
        uint32 nextByModel; // next (lower) id of the same model, 0 at the end
        uint72 completedJobs; // saturating
        uint96 totalEarned; // saturating
        // further slots
        string model;
        string endpoint;
    }

    /// @inheritdoc IComputeRegistry
    address public immutable streamPay;
    /// @dev providerCount + 1. Starts at 1 (non-zero) so the first registration pays for a
    ///      changed slot (5,000 gas) rather than a fresh one (22,100).
    uint256 private _nextId = 1;

    mapping(uint256 providerId => Record) private _providers;
    mapping(bytes32 modelHash => uint32 headId) private _modelHead;

    constructor() {
        streamPay = address(new StreamPay(this));
        emit StreamPayBound(streamPay);
    }

    // ------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeRegistry
    function registerProvider(string calldata model, uint256 pricePerSecond, string calldata endpoint, uint8 serviceType)
        external
        returns (uint256 providerId)
    {
        _checkModel(model);
        _checkEndpoint(endpoint);
        _checkPrice(pricePerSecond);
        providerId = _nextId;
        if (providerId > MAX_PROVIDERS) revert Errors.RegistryFull(MAX_PROVIDERS);
        _nextId = providerId + 1;

        bytes32 modelHash = keccak256(bytes(model));
        Record storage r = _providers[providerId];
        r.wallet = msg.sender;
        r.pricePerSecond = uint96(pricePerSecond);
        r.registeredAt = uint40(block.timestamp);
        r.serviceType = serviceType;
        r.active = true;
        r.nextByModel = _modelHead[modelHash];
        r.model = model;
        r.endpoint = endpoint;
        _modelHead[modelHash] = uint32(providerId);

        emit ProviderRegistered(providerId, msg.sender, model, pricePerSecond, endpoint, serviceType);
    }

    /// @inheritdoc IComputeRegistry
    function updateProvider(uint256 providerId, uint256 pricePerSecond, string calldata endpoint, bool active) external {
        Record storage r = _existing(providerId);
        if (r.wallet != msg.sender) revert Errors.NotProviderWallet(providerId, r.wallet, msg.sender);
        _checkEndpoint(endpoint);
        _checkPrice(pricePerSecond);
        r.pricePerSecond = uint96(pricePerSecond);
        r.active = active;
        r.endpoint = endpoint;
        emit ProviderUpdated(providerId, msg.sender, pricePerSecond, endpoint, active);
    }

    /// @inheritdoc IComputeRegistry
    function recordCompletion(uint256 providerId, uint256 streamId, address recipient, uint256 earned) external {
        if (msg.sender != streamPay) revert Errors.NotStreamPay(msg.sender, streamPay);
        Record storage r = _providers[providerId];
        // An unknown id has wallet 0, and a stream's recipient is never 0: no count check needed.
        if (r.wallet != recipient) revert Errors.NotProviderWallet(providerId, r.wallet, recipient);
        uint256 jobs = r.completedJobs;
        if (jobs < type(uint72).max) jobs += 1;
        uint256 total = uint256(r.totalEarned) + earned; // earned < 2^72, no overflow
        if (total > type(uint96).max) total = type(uint96).max;
        r.completedJobs = uint72(jobs);
        r.totalEarned = uint96(total);
        emit CompletionRecorded(providerId, streamId, earned, jobs, total);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeRegistry
    function getCheapestProvider(string calldata model) external view returns (uint256 providerId, uint256 pricePerSecond) {
        uint256 id = _modelHead[keccak256(bytes(model))];
        while (id != 0) {
            Record storage r = _providers[id];
            // The list runs from the newest id down, so `<=` leaves ties to the lowest id.
            if (r.active && (providerId == 0 || r.pricePerSecond <= pricePerSecond)) {
                providerId = id;
                pricePerSecond = r.pricePerSecond;
            }
            id = r.nextByModel;
        }
    }

    /// @inheritdoc IComputeRegistry
    function getActiveProviderIds() external view returns (uint256[] memory ids) {
        uint256 count = _nextId - 1;
        uint256 n;
        for (uint256 id = 1; id <= count; ++id) {
            if (_providers[id].active) ++n;
        }
        ids = new uint256[](n);
        uint256 k;
        for (uint256 id = 1; id <= count; ++id) {
            if (_providers[id].active) ids[k++] = id;
        }
    }

    /// @inheritdoc IComputeRegistry
    function getProvider(uint256 providerId) external view returns (Provider memory) {
        _existing(providerId);
        return _view(providerId);
    }

    /// @inheritdoc IComputeRegistry
    function getProviders(uint256 offset, uint256 limit) external view returns (Provider[] memory page, uint256 total) {
        total = _nextId - 1;
        if (offset >= total) return (new Provider[](0), total);
        uint256 n = total - offset;
        if (limit < n) n = limit;
        page = new Provider[](n);
        for (uint256 i; i < n; ++i) {
            page[i] = _view(offset + i + 1);
        }
    }

    /// @inheritdoc IComputeRegistry
    function getProviderIdsByWallet(address wallet) external view returns (uint256[] memory ids) {
        uint256 count = _nextId - 1;
        uint256 n;
        for (uint256 id = 1; id <= count; ++id) {
            if (_providers[id].wallet == wallet) ++n;
        }
        ids = new uint256[](n);
        uint256 k;
        for (uint256 id = 1; k < n; ++id) {
            if (_providers[id].wallet == wallet) ids[k++] = id;
        }
    }

    /// @inheritdoc IComputeRegistry
    function getProviderIdsByModel(string calldata model) external view returns (uint256[] memory ids) {
        uint256 head = _modelHead[keccak256(bytes(model))];
        uint256 n;
        for (uint256 id = head; id != 0; ++n) {
            id = _providers[id].nextByModel;
        }
        ids = new uint256[](n);
        for (uint256 id = head; id != 0; id = _providers[id].nextByModel) {
            ids[--n] = id; // the list runs newest first
        }
    }

    /// @inheritdoc IComputeRegistry
    function providerCount() external view returns (uint256) {
        return _nextId - 1;
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    function _existing(uint256 providerId) private view returns (Record storage r) {
        if (providerId == 0 || providerId >= _nextId) revert Errors.UnknownProvider(providerId);
        return _providers[providerId];
    }

    function _view(uint256 id) private view returns (Provider memory p) {
        Record storage r = _providers[id];
        p.id = id;
        p.wallet = r.wallet;
        p.model = r.model;
        p.endpoint = r.endpoint;
        p.pricePerSecond = r.pricePerSecond;
        p.serviceType = r.serviceType;
        p.active = r.active;
        p.completedJobs = r.completedJobs;
        p.totalEarned = r.totalEarned;
        p.registeredAt = r.registeredAt;
    }

    function _checkModel(string calldata model) private pure {
        uint256 len = bytes(model).length;
        if (len == 0 || len > MAX_MODEL_LENGTH) revert Errors.InvalidModel(len, MAX_MODEL_LENGTH);
    }

    function _checkEndpoint(string calldata endpoint) private pure {
        uint256 len = bytes(endpoint).length;
        if (len == 0 || len > MAX_ENDPOINT_LENGTH) revert Errors.InvalidEndpoint(len, MAX_ENDPOINT_LENGTH);
    }

    function _checkPrice(uint256 pricePerSecond) private pure {
        if (pricePerSecond == 0 || pricePerSecond > type(uint96).max) {
            revert Errors.InvalidPrice(pricePerSecond, type(uint96).max);
        }
    }
}
