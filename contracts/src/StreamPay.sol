// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStreamPay} from "./IStreamPay.sol";
import {IComputeRegistry} from "./IComputeRegistry.sol";
import {Errors} from "./Errors.sol";

/// @title StreamPay
/// @notice Per-second payment streams in native coin. See IStreamPay for the behaviour.
/// @dev A stream fills exactly two storage slots (two fresh slots are what keeps createStream
///      near 75k gas):
///        slot 0: sender (160) | deposit (72) | providerId (24)
///        slot 1: recipient (160) | start (32, seconds since EPOCH) | duration (24) |
///                withdrawnUntil (24, elapsed seconds already withdrawn) | serviceType (8) | status (8)
///      Withdrawals are stored as a point on the curve (`withdrawnUntil`), not as an amount:
///      withdrawn = streamed(withdrawnUntil), exact because streamed() is a pure function of time.
///      Once a stream is closed its times are no longer needed, and the 80 bits of
///      start|duration|withdrawnUntil hold instead what the recipient received in total (< 2^72).
///      Bounds that follow: deposit < 2^72 wei (~4,722 coins), duration < 2^24 s (~194 days),
///      providerId < 2^24 (= the registry's MAX_PROVIDERS), start within 2^32 s (~136 years) of deployment.
contract StreamPay is IStreamPay {
    /// @notice Largest deposit of one stream, in wei.
    uint256 public constant MAX_DEPOSIT = type(uint72).max;
    /// @notice Longest stream, in seconds.
    uint256 public constant MAX_DURATION = type(uint24).max;
    /// @notice Largest provider id a stream can name; equal to ComputeRegistry.MAX_PROVIDERS.
    uint256 public constant MAX_PROVIDER_ID = type(uint24).max;
    /// @notice Keeper fee = floor(amount moved / KEEPER_FEE_DIVISOR), i.e. 0.1% rounded down.
    uint256 public constant KEEPER_FEE_DIVISOR = 1000;
    /// @notice Seconds after a stream's end during which a batch closes it without a fee: the
    ///         recipient is paid in full, whoever calls. After it, a third party (neither sender nor
    ///         recipient) earns the keeper fee; the two parties never do.
    uint256 public constant KEEPER_GRACE = 1 days;
    /// @notice Gas given to a receiver when pushing coin; if it reverts or needs more, the amount
    ///         is credited to it instead (claim). Bounds what a hostile receiver can burn.
    uint256 public constant PUSH_GAS = 30_000;

    uint8 private constant ACTIVE = uint8(Status.Active);
    /// @dev Set in a closed stream's status byte once its sender rated it (ComputeRegistry.rateStream):
    ///      the flag lives in a slot the rating reads anyway, so marking costs 2,900 gas, not a fresh
    ///      slot's 22,100. Status values are 0..4, so the low bits stay the status.
    uint8 private constant RATED = 0x80;
    uint8 private constant STATUS_BITS = 0x7f;

    struct Packed {
        address sender;
        uint72 deposit;
        uint24 providerId;
        address recipient;
        uint32 start;
        uint24 duration;
        uint24 withdrawnUntil;
        uint8 serviceType;
        uint8 status;
    }

    /// @inheritdoc IStreamPay
    IComputeRegistry public immutable registry;
    /// @notice Stream start times are stored as seconds since this timestamp (the deployment's).
    uint256 public immutable EPOCH;

    /// @dev The id the next stream gets. Starts at 1 (non-zero) so that even the first
    ///      createStream changes a slot (5,000 gas) instead of filling a fresh one (22,100).
    uint256 private _nextId = 1;
    mapping(uint256 streamId => Packed) private _streams;
    /// @inheritdoc IStreamPay
    mapping(address account => uint256) public claimable;

    constructor(IComputeRegistry registry_) {
        registry = registry_;
        EPOCH = block.timestamp;
    }

    // ------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStreamPay
    function createStream(address recipient, uint256 duration, uint8 serviceType, uint256 providerId)
        external
        payable
        returns (uint256 streamId)
    {
        // None of these can ever take coin out: a push would be deferred to a claim nobody can make.
        if (recipient == address(0) || recipient == address(this) || recipient == address(registry)) {
            revert Errors.InvalidRecipient(recipient);
        }
        // A provider paying itself would count a job and earnings for no work.
        if (providerId != 0 && recipient == msg.sender) revert Errors.SelfAttribution(providerId, recipient);
        if (msg.value == 0 || msg.value > MAX_DEPOSIT) revert Errors.InvalidDeposit(msg.value, MAX_DEPOSIT);
        if (duration == 0 || duration > MAX_DURATION) revert Errors.InvalidDuration(duration, MAX_DURATION);
        if (providerId > MAX_PROVIDER_ID) revert Errors.ProviderIdTooLarge(providerId, MAX_PROVIDER_ID);
        // Cannot exceed 2^32 for ~136 years after deployment; the checked cast keeps it honest.
        uint32 start = _toUint32(block.timestamp - EPOCH);
        streamId = _nextId;
        unchecked {
            _nextId = streamId + 1; // < 2^256: one id per transaction
        }
        _streams[streamId] = Packed({
            sender: msg.sender,
            deposit: uint72(msg.value),
            providerId: uint24(providerId),
            recipient: recipient,
            start: start,
            duration: uint24(duration),
            withdrawnUntil: 0,
            serviceType: serviceType,
            status: ACTIVE
        });
        emit StreamCreated(streamId, msg.sender, recipient, providerId, msg.value, block.timestamp, duration, serviceType);
    }

    /// @inheritdoc IStreamPay
    function withdrawFromStream(uint256 streamId) external returns (uint256 amount) {
        Packed storage s = _active(streamId);
        address recipient = s.recipient;
        if (msg.sender != recipient) revert Errors.NotRecipient(streamId, msg.sender);
        uint256 deposit = s.deposit;
        uint256 duration = s.duration;
        uint256 elapsed = _elapsed(s.start, duration);
        amount = _streamed(deposit, elapsed, duration) - _streamed(deposit, s.withdrawnUntil, duration);
        if (amount == 0) revert Errors.NothingToWithdraw(streamId);
        emit StreamWithdrawn(streamId, recipient, amount);
        if (elapsed == duration) {
            _close(s, Status.Depleted, deposit);
            emit StreamDepleted(streamId);
        } else {
            s.withdrawnUntil = uint24(elapsed);
        }
        _push(streamId, recipient, amount);
    }

    /// @inheritdoc IStreamPay
    function cancelStream(uint256 streamId) external returns (uint256 recipientAmount, uint256 senderRefund) {
        Packed storage s = _active(streamId);
        address sender = s.sender;
        address recipient = s.recipient;
        if (msg.sender != sender && msg.sender != recipient) revert Errors.NotSenderOrRecipient(streamId, msg.sender);
        uint256 deposit = s.deposit;
        uint256 duration = s.duration;
        uint256 streamedNow = _streamed(deposit, _elapsed(s.start, duration), duration);
        recipientAmount = streamedNow - _streamed(deposit, s.withdrawnUntil, duration);
        senderRefund = deposit - streamedNow;
        _close(s, Status.Cancelled, streamedNow);
        emit StreamCancelled(streamId, msg.sender, recipientAmount, senderRefund);
        _push(streamId, recipient, recipientAmount);
        _push(streamId, sender, senderRefund);
    }

    /// @inheritdoc IStreamPay
    function settle(uint256 streamId, uint256 amount) external returns (uint256 paidNow, uint256 refund) {
        Packed storage s = _active(streamId);
        address recipient = s.recipient;
        if (msg.sender != recipient) revert Errors.NotRecipient(streamId, msg.sender);
        uint256 deposit = s.deposit;
        uint256 duration = s.duration;
        uint256 withdrawn = _streamed(deposit, s.withdrawnUntil, duration);
        uint256 streamedNow = _streamed(deposit, _elapsed(s.start, duration), duration);
        if (amount < withdrawn || amount > streamedNow) {
            revert Errors.InvalidSettleAmount(streamId, amount, withdrawn, streamedNow);
        }
        paidNow = amount - withdrawn;
        refund = deposit - amount;
        address sender = s.sender;
        uint256 providerId = s.providerId;
        _close(s, Status.Settled, amount);
        // A settle for 0 is a refund, not a job: nothing is recorded.
        if (providerId != 0 && amount != 0) registry.recordCompletion(providerId, streamId, recipient, amount);
        emit StreamSettled(streamId, amount, paidNow, refund);
        _push(streamId, recipient, paidNow);
        _push(streamId, sender, refund);
    }

    /// @inheritdoc IStreamPay
    function batchUpdateStreams(uint256[] calldata streamIds) external returns (uint256 closed, uint256 keeperFee) {
        for (uint256 i; i < streamIds.length; ++i) {
            uint256 streamId = streamIds[i];
            Packed storage s = _streams[streamId];
            if (s.status != ACTIVE) continue; // unknown or already closed
            uint256 duration = s.duration;
            uint256 since = block.timestamp - (EPOCH + s.start);
            if (since < duration) continue; // still running: not the keeper's business
            uint256 deposit = s.deposit;
            uint256 remaining = deposit - _streamed(deposit, s.withdrawnUntil, duration);
            address recipient = s.recipient;
            // The fee is a third party's reward for closing what the parties left open past the
            // grace period; within it, or for a party to the stream, the recipient gets everything.
            uint256 fee;
            if (since >= duration + KEEPER_GRACE && msg.sender != recipient && msg.sender != s.sender) {
                fee = remaining / KEEPER_FEE_DIVISOR; // rounds toward the recipient
            }
            uint256 toRecipient = remaining - fee;
            _close(s, Status.Depleted, deposit - fee);
            emit StreamBatchUpdated(streamId, msg.sender, toRecipient, 0, fee);
            _push(streamId, recipient, toRecipient);
            keeperFee += fee;
            ++closed;
        }
        _push(0, msg.sender, keeperFee);
    }

    /// @inheritdoc IStreamPay
    function markRated(uint256 streamId, address rater)
        external
        returns (uint256 providerId, address recipient, uint256 paid)
    {
        if (msg.sender != address(registry)) revert Errors.NotRegistry(msg.sender, address(registry));
        Packed storage s = _streams[streamId];
        uint8 status = s.status;
        if (status == 0) revert Errors.UnknownStream(streamId);
        if (status == ACTIVE) revert Errors.StreamStillActive(streamId);
        if (s.sender != rater) revert Errors.NotStreamSender(streamId, rater);
        if (status & RATED != 0) revert Errors.AlreadyRated(streamId);
        s.status = status | RATED;
        return (s.providerId, s.recipient, _paidOf(s));
    }

    /// @inheritdoc IStreamPay
    function claim() external returns (uint256 amount) {
        return _claim(msg.sender, payable(msg.sender));
    }

    /// @inheritdoc IStreamPay
    function claimTo(address payable to) external returns (uint256 amount) {
        return _claim(msg.sender, to);
    }

    /// @inheritdoc IStreamPay
    function claimFor(address account) external returns (uint256 amount) {
        return _claim(account, payable(account));
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IStreamPay
    function getStream(uint256 streamId) external view returns (Stream memory stream) {
        Packed storage s = _streams[streamId];
        if (s.status == 0) return stream; // unknown: all zero, status None
        stream.sender = s.sender;
        stream.recipient = s.recipient;
        stream.deposit = s.deposit;
        stream.providerId = s.providerId;
        stream.serviceType = s.serviceType;
        stream.status = Status(s.status & STATUS_BITS);
        if (s.status == ACTIVE) {
            stream.withdrawn = _streamed(s.deposit, s.withdrawnUntil, s.duration);
            stream.startTime = EPOCH + s.start;
            stream.duration = s.duration;
        } else {
            stream.withdrawn = _paidOf(s);
        }
    }

    /// @inheritdoc IStreamPay
    function streamedAmountOf(uint256 streamId) external view returns (uint256) {
        Packed storage s = _streams[streamId];
        if (s.status != ACTIVE) return _paidOf(s); // 0 for unknown ids
        return _streamed(s.deposit, _elapsed(s.start, s.duration), s.duration);
    }

    /// @inheritdoc IStreamPay
    function withdrawableAmountOf(uint256 streamId) external view returns (uint256) {
        Packed storage s = _streams[streamId];
        if (s.status != ACTIVE) return 0;
        uint256 duration = s.duration;
        return _streamed(s.deposit, _elapsed(s.start, duration), duration)
            - _streamed(s.deposit, s.withdrawnUntil, duration);
    }

    /// @inheritdoc IStreamPay
    function refundableAmountOf(uint256 streamId) external view returns (uint256) {
        Packed storage s = _streams[streamId];
        if (s.status != ACTIVE) return 0;
        return s.deposit - _streamed(s.deposit, _elapsed(s.start, s.duration), s.duration);
    }

    /// @inheritdoc IStreamPay
    function ratePerSecond(uint256 streamId) external view returns (uint256) {
        Packed storage s = _streams[streamId];
        if (s.status != ACTIVE) return 0;
        return uint256(s.deposit) / s.duration;
    }

    /// @inheritdoc IStreamPay
    function isRated(uint256 streamId) external view returns (bool) {
        return _streams[streamId].status & RATED != 0;
    }

    /// @inheritdoc IStreamPay
    function nextStreamId() external view returns (uint256) {
        return _nextId;
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev deposit * elapsed / duration, floored: < 2^96 before the division, so no overflow.
    function _streamed(uint256 deposit, uint256 elapsed, uint256 duration) private pure returns (uint256) {
        return deposit * elapsed / duration;
    }

    function _elapsed(uint32 start, uint256 duration) private view returns (uint256 elapsed) {
        elapsed = block.timestamp - (EPOCH + start);
        if (elapsed > duration) elapsed = duration;
    }

    function _active(uint256 streamId) private view returns (Packed storage s) {
        s = _streams[streamId];
        uint8 status = s.status;
        if (status != ACTIVE) {
            if (status == 0) revert Errors.UnknownStream(streamId);
            revert Errors.StreamNotActive(streamId, status & STATUS_BITS);
        }
    }

    /// @dev Marks the stream closed and stores what the recipient received in total in the bits
    ///      the times used (paid < 2^72 fits the 80 bits of start|duration|withdrawnUntil).
    function _close(Packed storage s, Status status, uint256 paid) private {
        s.start = uint32(paid >> 48);
        s.duration = uint24(paid >> 24);
        s.withdrawnUntil = uint24(paid);
        s.status = uint8(status);
    }

    function _paidOf(Packed storage s) private view returns (uint256) {
        return (uint256(s.start) << 48) | (uint256(s.duration) << 24) | uint256(s.withdrawnUntil);
    }

    /// @dev Sends `amount` with PUSH_GAS; on failure credits it to `to` (never reverts).
    ///      `streamId` names the stream the coin comes from (0: keeper fees of a batch).
    function _push(uint256 streamId, address to, uint256 amount) private {
        if (amount == 0) return;
        bool ok;
        assembly ("memory-safe") {
            // No return data is copied: a receiver cannot make us pay for a large revert reason.
            ok := call(PUSH_GAS, to, amount, 0, 0, 0, 0)
        }
        if (!ok) {
            claimable[to] += amount;
            emit PaymentDeferred(streamId, to, amount);
        }
    }

    /// @dev Pays `account`'s whole credit to `to` with all the gas left; reverts if that fails
    ///      (the credit stays). Effects before the call: a reentrant claim finds nothing.
    function _claim(address account, address payable to) private returns (uint256 amount) {
        amount = claimable[account];
        if (amount == 0) revert Errors.NothingToClaim(account);
        claimable[account] = 0;
        emit Claimed(account, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert Errors.ClaimFailed(to, amount);
    }

    function _toUint32(uint256 x) private pure returns (uint32) {
        if (x > type(uint32).max) revert Errors.StartOutOfRange(x, type(uint32).max);
        return uint32(x);
    }
}
