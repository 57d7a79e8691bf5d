// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeRegistry} from "./IComputeRegistry.sol";
import {Errors} from "./Errors.sol";
import {StreamPay} from "./StreamPay.sol";
import {Providers} from "./Providers.sol";
import {Reputations} from "./Reputations.sol";

/// @title ComputeRegistry
/// @notice Directory of compute providers. See IComputeRegistry for the behaviour of each function.
/// @dev Binding: the constructor deploys the StreamPay it trusts and keeps its address immutable,
///      so the two are bound atomically and nobody (not even the deployer) has a privileged path.
///      Storage per provider: two packed slots plus the two strings. Providers of one model are
///      chained in a linked list (head per model hash, `next` per provider, newest first), so
///      registration stays O(1) and model views walk only that model. Views are paged: a page
///      never reads more than MAX_PAGE providers or scans more than MAX_SCAN ids, whatever the
///      number registered. There is no index per wallet on purpose: a fresh slot per new wallet
///      (22,100 gas) would put a new wallet's first registration of a new model above 150k gas;
///      the wallet view scans a window of ids instead (~2,300 gas per id, bounded by MAX_SCAN);
///      clients find a wallet's ids from the indexed ProviderRegistered logs.
///      Retiring unlinks the entry and locks its bond for BOND_COOLDOWN (claimBond after it), so
///      register/retire churn costs capital over time. Ratings: two packed slots per provider,
///      filled at registration (so no rating writes a fresh slot), then written only by
///      rateStream, which asks StreamPay (markRated) whether the caller paid.
contract ComputeRegistry is IComputeRegistry {
    using Providers for Providers.Record;
    using Reputations for Reputations.Rep;

    /// @notice Longest model name accepted, in bytes.
    uint256 public constant MAX_MODEL_LENGTH = 128;
    /// @notice Longest endpoint accepted, in bytes.
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice Largest id the registry issues: the widest provider id a StreamPay stream can name
    ///         (StreamPay.MAX_PROVIDER_ID), so every provider can be paid through a stream.
    uint256 public constant MAX_PROVIDERS = type(uint24).max;
    /// @notice Most providers one page returns (getProviders, getProvidersByModel).
    uint256 public constant MAX_PAGE = 200;
    /// @notice Most ids or list entries one scan visits (getProviderIdsByWallet,
    ///         getActiveProviderIds, getCheapestProvider).
    uint256 public constant MAX_SCAN = 2_000;
    /// @notice Seconds a retired entry's bond stays locked before claimBond pays it out.
    uint256 public constant BOND_COOLDOWN = 30 days;
    /// @notice Most list entries one retirement walks to find the entry before it (per phase: from
    ///         the hint, then from the head).
    uint256 public constant MAX_HINT_WALK = 1_000;
    /// @notice Highest score a rating may carry (0..MAX_SCORE).
    uint256 public constant MAX_SCORE = 100;
    /// @notice A rating weighs what its sender paid the provider, counted in units of this many wei
    ///         (floored: a stream that paid less than one unit rates with weight 0).
    uint256 public constant RATING_WEIGHT_UNIT = 1 gwei;


    /// @inheritdoc IComputeRegistry
    address public immutable streamPay;
    /// @inheritdoc IComputeRegistry
    uint256 public immutable REGISTRATION_BOND;
    /// @dev providerCount + 1. Starts at 1 (non-zero) so the first registration pays for a
    ///      changed slot (5,000 gas) rather than a fresh one (22,100).
    uint256 private _nextId = 1;

    /// @dev A retired entry's bond, waiting for its cooldown: who gets it and from when.
    struct BondDue {
        address payee;
        uint64 releaseAt;
    }

    mapping(uint256 providerId => Providers.Record) private _providers;
    mapping(bytes32 modelHash => uint32 headId) private _modelHead;
    mapping(uint256 providerId => BondDue) private _bondDue;
    mapping(uint256 providerId => Reputations.Rep) private _rep;

    /// @param registrationBond Wei every registration locks until BOND_COOLDOWN after its retirement (0 on a local chain).
    constructor(uint256 registrationBond) {
        REGISTRATION_BOND = registrationBond;
        streamPay = address(new StreamPay(this));
        emit StreamPayBound(streamPay);
    }

    // ------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeRegistry
    function registerProvider(string calldata model, uint256 pricePerSecond, string calldata endpoint, uint8 serviceType)
        external
        payable
        returns (uint256 providerId)
    {
        if (msg.value != REGISTRATION_BOND) revert Errors.WrongBond(msg.value, REGISTRATION_BOND);
        Providers.checkModel(model, MAX_MODEL_LENGTH);
        Providers.checkEndpoint(endpoint, MAX_ENDPOINT_LENGTH);
        Providers.checkPrice(pricePerSecond);
        providerId = _nextId;
        if (providerId > MAX_PROVIDERS) revert Errors.RegistryFull(MAX_PROVIDERS);
        _nextId = providerId + 1;

        bytes32 modelHash = keccak256(bytes(model));
        Providers.Record storage r = _providers[providerId];
        r.wallet = msg.sender;
        r.pricePerSecond = uint96(pricePerSecond);
        r.registeredAt = uint40(block.timestamp);
        r.serviceType = serviceType;
        r.active = true;
        r.nextByModel = _modelHead[modelHash];
        r.model = model;
        r.endpoint = endpoint;
        _modelHead[modelHash] = uint32(providerId);
        // Fill the provider's two reputation slots now (Reputations.Rep): its first rater then pays
        // no more than a later one.
        _rep[providerId].prime();

        emit ProviderRegistered(providerId, msg.sender, model, pricePerSecond, endpoint, serviceType);
    }

    /// @inheritdoc IComputeRegistry
    function updateProvider(uint256 providerId, uint256 pricePerSecond, string calldata endpoint, bool active) external {
        Providers.Record storage r = _ownedLive(providerId);
        Providers.checkEndpoint(endpoint, MAX_ENDPOINT_LENGTH);
        Providers.checkPrice(pricePerSecond);
        r.pricePerSecond = uint96(pricePerSecond);
        r.active = active;
        r.endpoint = endpoint;
        emit ProviderUpdated(providerId, msg.sender, pricePerSecond, endpoint, active);
    }

    /// @inheritdoc IComputeRegistry
    function retireProvider(uint256 providerId, uint256 hint) external {
        _retire(providerId, hint, msg.sender);
    }

    /// @inheritdoc IComputeRegistry
    function retireTo(uint256 providerId, uint256 hint, address payee) external {
        if (payee == address(0) || payee == address(this) || payee == streamPay) revert Errors.InvalidPayee(payee);
        _retire(providerId, hint, payee);
    }

    /// @inheritdoc IComputeRegistry
    function claimBond(uint256 providerId) external returns (uint256 amount) {
        BondDue memory due = _bondDue[providerId];
        if (due.payee == address(0)) revert Errors.NoBondDue(providerId);
        if (block.timestamp < due.releaseAt) revert Errors.BondNotDue(providerId, due.releaseAt, block.timestamp);
        // Books first: a payee that calls back finds nothing due.
        delete _bondDue[providerId];
        amount = REGISTRATION_BOND;
        emit BondClaimed(providerId, due.payee, amount);
        (bool ok,) = due.payee.call{value: amount}("");
        if (!ok) revert Errors.BondRefundFailed(due.payee, amount);
    }

    /// @inheritdoc IComputeRegistry
    function rateStream(
        uint256 streamId,
        uint8 score,
        uint24 ttftMs,
        uint24 tokensPerSecond,
        uint16 failures,
        bytes32 receiptDigest
    ) external {
        if (score > MAX_SCORE) revert Errors.InvalidScore(score, MAX_SCORE);
        // StreamPay checks that the stream is closed, that msg.sender opened it and that it was not
        // rated before, and marks it; it returns whom it paid and how much.
        (uint256 providerId, address recipient, uint256 paid) = StreamPay(streamPay).markRated(streamId, msg.sender);
        if (providerId == 0) revert Errors.NotAProviderStream(streamId);
        address wallet = _providers[providerId].wallet;
        if (wallet != recipient) revert Errors.NotProviderWallet(providerId, wallet, recipient);
        if (paid == 0) revert Errors.NothingPaid(streamId);
        // paid < 2^72, so the weight paid / RATING_WEIGHT_UNIT < 2^43
        _rep[providerId].add(paid, paid / RATING_WEIGHT_UNIT, score, ttftMs, tokensPerSecond, failures);
        emit StreamRated(providerId, streamId, msg.sender, paid, score, ttftMs, tokensPerSecond, failures, receiptDigest);
    }

    /// @inheritdoc IComputeRegistry
    function recordCompletion(uint256 providerId, uint256 streamId, address recipient, uint256 earned) external {
        if (msg.sender != streamPay) revert Errors.NotStreamPay(msg.sender, streamPay);
        Providers.Record storage r = _providers[providerId];
        // An unknown id has wallet 0, and a stream's recipient is never 0: no count check needed.
        if (r.wallet != recipient) revert Errors.NotProviderWallet(providerId, r.wallet, recipient);
        uint256 jobs = r.completedJobs;
        if (jobs < type(uint64).max) jobs += 1;
        uint256 total = uint256(r.totalEarned) + earned; // earned < 2^72, no overflow
        if (total > type(uint96).max) total = type(uint96).max;
        r.completedJobs = uint64(jobs);
        r.totalEarned = uint96(total);
        emit CompletionRecorded(providerId, streamId, earned, jobs, total);
    }

    // ------------------------------------------------------------------------------------------
    // Views (all paged)
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeRegistry
    function getCheapestProvider(string calldata model, uint256 cursor, uint256 limit)
        external
        view
        returns (uint256 providerId, uint256 pricePerSecond, uint256 next)
    {
        uint256 id = _start(model, cursor);
        if (limit > MAX_SCAN) limit = MAX_SCAN;
        for (uint256 n; n < limit && id != 0; ++n) {
            Providers.Record storage r = _providers[id];
            // The list runs from the newest id down, so `<=` leaves ties to the lowest id.
            if (r.active && (providerId == 0 || r.pricePerSecond <= pricePerSecond)) {
                providerId = id;
                pricePerSecond = r.pricePerSecond;
            }
            id = r.nextByModel;
        }
        next = id;
    }

    /// @inheritdoc IComputeRegistry
    function getProvidersByModel(string calldata model, uint256 cursor, uint256 limit)
        external
        view
        returns (Provider[] memory page, uint256 next)
    {
        uint256 first = _start(model, cursor);
        if (limit > MAX_PAGE) limit = MAX_PAGE;
        // Count first (the second walk reads warm slots) so no unused structs are allocated.
        uint256 id = first;
        uint256 n;
        for (; n < limit && id != 0; ++n) {
            id = _providers[id].nextByModel;
        }
        next = id;
        page = new Provider[](n);
        id = first;
        for (uint256 i; i < n; ++i) {
            page[i] = _providers[id].toView(id);
            id = _providers[id].nextByModel;
        }
    }

    /// @inheritdoc IComputeRegistry
    function getProvider(uint256 providerId) external view returns (Provider memory) {
        if (providerId == 0 || providerId >= _nextId) revert Errors.UnknownProvider(providerId);
        return _providers[providerId].toView(providerId);
    }

    /// @inheritdoc IComputeRegistry
    function getProviders(uint256 offset, uint256 limit) external view returns (Provider[] memory page, uint256 total) {
        total = _nextId - 1;
        if (offset >= total) return (new Provider[](0), total);
        uint256 n = total - offset;
        if (limit > MAX_PAGE) limit = MAX_PAGE;
        if (limit < n) n = limit;
        page = new Provider[](n);
        for (uint256 i; i < n; ++i) {
            uint256 id = offset + i + 1;
            page[i] = _providers[id].toView(id);
        }
    }

    /// @inheritdoc IComputeRegistry
    function getProviderIdsByWallet(address wallet, uint256 offset, uint256 limit)
        external
        view
        returns (uint256[] memory ids, uint256 next)
    {
        (uint256 from, uint256 to) = _window(offset, limit);
        ids = new uint256[](to - from);
        uint256 k;
        for (uint256 id = from + 1; id <= to; ++id) {
            if (_providers[id].wallet == wallet) ids[k++] = id;
        }
        _shrink(ids, k);
        next = to < _nextId - 1 ? to : 0;
    }

    /// @inheritdoc IComputeRegistry
    function getActiveProviderIds(uint256 offset, uint256 limit) external view returns (uint256[] memory ids, uint256 next) {
        (uint256 from, uint256 to) = _window(offset, limit);
        ids = new uint256[](to - from);
        uint256 k;
        for (uint256 id = from + 1; id <= to; ++id) {
            if (_providers[id].active) ids[k++] = id;
        }
        _shrink(ids, k);
        next = to < _nextId - 1 ? to : 0;
    }

    /// @inheritdoc IComputeRegistry
    function getReputation(uint256 providerId) external view returns (Reputation memory out) {
        if (providerId == 0 || providerId >= _nextId) revert Errors.UnknownProvider(providerId);
        return _rep[providerId].read();
    }

    /// @inheritdoc IComputeRegistry
    function bondOf(uint256 providerId) external view returns (address payee, uint256 releaseAt) {
        BondDue memory due = _bondDue[providerId];
        return (due.payee, due.releaseAt);
    }

    /// @inheritdoc IComputeRegistry
    function providerCount() external view returns (uint256) {
        return _nextId - 1;
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev A provider that exists, is not retired, and whose wallet is the caller.
    function _ownedLive(uint256 providerId) private view returns (Providers.Record storage r) {
        if (providerId == 0 || providerId >= _nextId) revert Errors.UnknownProvider(providerId);
        r = _providers[providerId];
        if (r.wallet != msg.sender) revert Errors.NotProviderWallet(providerId, r.wallet, msg.sender);
        if (r.retired) revert Errors.ProviderIsRetired(providerId);
    }

    /// @dev Unlinks, freezes and (bond != 0) locks the bond of the caller's provider `providerId`.
    function _retire(uint256 providerId, uint256 hint, address payee) private {
        Providers.Record storage r = _ownedLive(providerId);
        _unlink(r, providerId, hint);
        // A retired entry keeps no link: a walk or a cursor that reaches it stops there.
        r.nextByModel = 0;
        r.active = false;
        r.retired = true;
        uint256 bond = REGISTRATION_BOND;
        uint256 releaseAt = block.timestamp + BOND_COOLDOWN;
        if (bond != 0) _bondDue[providerId] = BondDue(payee, uint64(releaseAt));
        emit ProviderRetired(providerId, msg.sender, bond, payee, releaseAt);
    }

    /// @dev Takes `id` out of its model's list. The entry before it is searched from `hint` (any
    ///      live entry of the list before it; stale hints are fine), then from the head, at most
    ///      MAX_HINT_WALK entries each: new registrations enter at the head, so they cannot push a
    ///      good hint away, and a hint that was retired meanwhile has no link and falls back to the head.
    function _unlink(Providers.Record storage r, uint256 id, uint256 hint) private {
        uint32 next = r.nextByModel;
        bytes32 modelHash = keccak256(bytes(r.model));
        uint256 head = _modelHead[modelHash];
        if (head == id) {
            _modelHead[modelHash] = next;
            return;
        }
        if (hint != 0 && hint != id && _relinkAfter(hint, id, next)) return;
        if (_relinkAfter(head, id, next)) return;
        revert Errors.BadListHint(id, hint);
    }

    /// @dev Walks from `from` for the entry whose link is `id` and points it at `next`.
    function _relinkAfter(uint256 from, uint256 id, uint32 next) private returns (bool) {
        for (uint256 n; n < MAX_HINT_WALK && from != 0; ++n) {
            Providers.Record storage p = _providers[from];
            uint256 link = p.nextByModel;
            if (link == id) {
                p.nextByModel = next;
                return true;
            }
            from = link;
        }
        return false;
    }

    /// @dev Where a walk along `model`'s list starts: its head, or `cursor` (a `next` from an earlier
    ///      page). A cursor that names no provider reverts (UnknownProvider); one that left the list
    ///      (retired) or belongs to another model reverts (StaleCursor) instead of ending the walk
    ///      early or wandering into another list.
    function _start(string calldata model, uint256 cursor) private view returns (uint256) {
        if (cursor == 0) return _modelHead[keccak256(bytes(model))];
        if (cursor >= _nextId) revert Errors.UnknownProvider(cursor);
        Providers.Record storage r = _providers[cursor];
        if (r.retired || keccak256(bytes(r.model)) != keccak256(bytes(model))) revert Errors.StaleCursor(cursor);
        return cursor;
    }

    /// @dev Ids (from, to] to scan: at most MAX_SCAN of them, clipped to the count.
    function _window(uint256 offset, uint256 limit) private view returns (uint256 from, uint256 to) {
        uint256 total = _nextId - 1;
        if (offset >= total) return (total, total);
        if (limit > MAX_SCAN) limit = MAX_SCAN;
        from = offset;
        to = total - offset > limit ? offset + limit : total;
    }

    /// @dev Sets a memory array's length to `n` (<= its allocated length); the tail is just unused.
    function _shrink(uint256[] memory a, uint256 n) private pure {
        assembly ("memory-safe") {
            mstore(a, n)
        }
    }
}
