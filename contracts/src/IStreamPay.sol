// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeRegistry} from "./IComputeRegistry.sol";

/// @title IStreamPay
/// @notice Per-second payment streams in the chain's native coin.
/// @dev Linear and exact: streamed(t) = deposit * min(t - start, duration) / duration (floor), so
///      the recipient's share only grows, reaches the whole deposit at the end, and no wei is ever
///      left over. Rounding is toward the sender (payer) at every instant.
///      Payments are pushed with a gas cap; when a receiver reverts (or runs out of that gas) the
///      amount is credited to it instead (`claimable`, `claim`), so neither party can block the other.
///      There is no owner and no pause: nobody but the two parties (and, after the end, any keeper)
///      can move a stream's coin, and a keeper is paid only by streams the parties left open for
///      KEEPER_GRACE after their end.
interface IStreamPay {
    /// @notice Life cycle of a stream: None -> Active -> Settled | Cancelled | Depleted (final).
    enum Status {
        None,
        Active,
        Settled,
        Cancelled,
        Depleted
    }

    /// @notice A stream as returned by getStream.
    /// @param sender Who deposited; receives refunds; may cancel.
    /// @param recipient Who is paid; may withdraw, settle, cancel.
    /// @param deposit The whole deposit in wei.
    /// @param withdrawn While active: what the recipient already took. Once closed: everything the
    ///        recipient received from the stream (the sender got deposit - withdrawn back).
    /// @param startTime Unix time the stream started (0 once closed: the StreamCreated event keeps it).
    /// @param duration Seconds over which the deposit streams (0 once closed, as above).
    /// @param providerId The registry provider the stream pays, or 0 for a plain stream.
    /// @param serviceType Kind of service, copied from createStream.
    /// @param status See Status.
    struct Stream {
        address sender;
        address recipient;
        uint256 deposit;
        uint256 withdrawn;
        uint256 startTime;
        uint256 duration;
        uint256 providerId;
        uint8 serviceType;
        Status status;
    }

    /// @notice A new stream; `startTime` is the block timestamp.
    event StreamCreated(
        uint256 indexed streamId,
        address indexed sender,
        address indexed recipient,
        uint256 providerId,
        uint256 deposit,
        uint256 startTime,
        uint256 duration,
        uint8 serviceType
    );

    /// @notice The recipient took `amount` that had streamed.
    event StreamWithdrawn(uint256 indexed streamId, address indexed recipient, uint256 amount);

    /// @notice A withdrawal after the end took the last wei: the stream is closed as Depleted.
    event StreamDepleted(uint256 indexed streamId);

    /// @notice `by` (sender or recipient) cancelled: the recipient got `recipientAmount` now
    ///         (on top of earlier withdrawals), the sender got `senderRefund`.
    event StreamCancelled(uint256 indexed streamId, address indexed by, uint256 recipientAmount, uint256 senderRefund);

    /// @notice The recipient settled for `earned` in total: `paidNow` = earned - earlier
    ///         withdrawals went to the recipient, `refund` = deposit - earned to the sender.
    event StreamSettled(uint256 indexed streamId, uint256 earned, uint256 paidNow, uint256 refund);

    /// @notice `keeper` closed an expired stream in a batch: the recipient got `recipientAmount`
    ///         (what was left, less the fee), the sender `senderRefund`, the keeper `keeperFee`
    ///         (0 within the grace period or when the keeper is the sender or the recipient).
    event StreamBatchUpdated(
        uint256 indexed streamId, address indexed keeper, uint256 recipientAmount, uint256 senderRefund, uint256 keeperFee
    );

    /// @notice Pushing `amount` from stream `streamId` to `to` failed; it was credited to `to` to be
    ///         claimed (streamId 0: the keeper fees of a batch).
    event PaymentDeferred(uint256 indexed streamId, address indexed to, uint256 amount);

    /// @notice `account`'s deferred payments were sent to `to` (claim, claimTo, or claimFor by anyone).
    event Claimed(address indexed account, address indexed to, uint256 amount);

    /// @notice Opens a stream of msg.value to `recipient` over `duration` seconds, starting now.
    /// @dev Several streams between the same pair are allowed. When `providerId` != 0 the stream is
    ///      attributed to that registry provider at settle time, which then requires `recipient` to
    ///      be the provider's wallet (checked at settle, not here: see the README's gas notes).
    ///      A stream naming a provider cannot be sent by its own recipient (SelfAttribution): the
    ///      provider's counters only ever count coin from another address.
    /// @param recipient Who is paid (not zero, not this contract, not the registry: InvalidRecipient).
    /// @param duration Seconds, 1..MAX_DURATION.
    /// @param serviceType Kind of service, stored and echoed.
    /// @param providerId Registry provider id or 0; at most MAX_PROVIDER_ID (the registry's MAX_PROVIDERS).
    /// @return streamId The new id (previous id + 1; the first is 1).
    function createStream(address recipient, uint256 duration, uint8 serviceType, uint256 providerId)
        external
        payable
        returns (uint256 streamId);

    /// @notice The recipient takes everything streamed and not yet withdrawn.
    /// @dev Reverts with NothingToWithdraw when that is 0. A withdrawal after the end that takes
    ///      the last wei closes the stream as Depleted.
    /// @return amount What was paid.
    function withdrawFromStream(uint256 streamId) external returns (uint256 amount);

    /// @notice Sender or recipient ends the stream: the recipient gets what streamed (less what it
    ///         withdrew), the sender the rest.
    /// @return recipientAmount Paid to the recipient now.
    /// @return senderRefund Paid back to the sender.
    function cancelStream(uint256 streamId) external returns (uint256 recipientAmount, uint256 senderRefund);

    /// @notice The recipient ends the stream charging `amount` in total (metered compute).
    /// @dev withdrawn <= amount <= streamed now. The recipient gets amount - withdrawn, the sender
    ///      deposit - amount, and when providerId != 0 and amount != 0 the registry records the
    ///      completion (which requires the recipient to be that provider's wallet). A settle for 0
    ///      records nothing: it is a full refund, not a job.
    /// @return paidNow Paid to the recipient now.
    /// @return refund Paid back to the sender.
    function settle(uint256 streamId, uint256 amount) external returns (uint256 paidNow, uint256 refund);

    /// @notice Anyone closes expired streams: each one's remainder goes to its recipient. From
    ///         KEEPER_GRACE seconds after a stream's end, a caller that is neither its sender nor its
    ///         recipient keeps a fee of floor(remainder / 1000) (0.1%, rounded toward the recipient);
    ///         before that, or for a party, the fee is 0. Unknown, live or closed ids are skipped;
    ///         one item never reverts the batch.
    /// @return closed How many streams this call closed.
    /// @return keeperFee The caller's total fee.
    function batchUpdateStreams(uint256[] calldata streamIds) external returns (uint256 closed, uint256 keeperFee);

    /// @notice Marks a closed stream rated by its sender; only the registry calls it (from
    ///         ComputeRegistry.rateStream), so each stream carries at most one rating.
    /// @dev Reverts NotRegistry (caller is not the registry), UnknownStream, StreamStillActive,
    ///      NotStreamSender (`rater` did not open it) or AlreadyRated. The flag shares the stream's
    ///      status byte (getStream still reports the plain status; see isRated).
    /// @param rater The account that wants to rate (the registry passes its msg.sender).
    /// @return providerId The provider the stream named (0: none).
    /// @return recipient The stream's recipient.
    /// @return paid Everything the recipient received from the stream (wei).
    function markRated(uint256 streamId, address rater)
        external
        returns (uint256 providerId, address recipient, uint256 paid);

    /// @notice Sends the caller's deferred payments to the caller.
    function claim() external returns (uint256 amount);

    /// @notice Sends the caller's deferred payments to `to` (for receivers that cannot take coin).
    function claimTo(address payable to) external returns (uint256 amount);

    /// @notice Anyone pushes `account`'s deferred payments to `account` with all the gas left (for
    ///         a receiver that needs more than PUSH_GAS but cannot call claim itself, e.g. an
    ///         immutable contract). Reverts with ClaimFailed if the account still refuses.
    function claimFor(address account) external returns (uint256 amount);

    /// @notice A stream; for an id never created, all fields are zero and status is None (no revert).
    function getStream(uint256 streamId) external view returns (Stream memory);

    /// @notice The recipient's share at block.timestamp (closed stream: what it received; unknown: 0).
    function streamedAmountOf(uint256 streamId) external view returns (uint256);

    /// @notice What the recipient could withdraw now (0 once closed or unknown).
    function withdrawableAmountOf(uint256 streamId) external view returns (uint256);

    /// @notice What the sender would get back if the stream were cancelled now (0 once closed or unknown).
    function refundableAmountOf(uint256 streamId) external view returns (uint256);

    /// @notice deposit / duration, floored: informational only, never used for accounting (0 once closed).
    function ratePerSecond(uint256 streamId) external view returns (uint256);

    /// @notice Deferred payments waiting for `account`.
    function claimable(address account) external view returns (uint256);

    /// @notice Whether the stream's sender has rated it (ComputeRegistry.rateStream); false for unknown ids.
    function isRated(uint256 streamId) external view returns (bool);

    /// @notice The id the next stream will get.
    function nextStreamId() external view returns (uint256);

    /// @notice The registry completions are recorded in.
    function registry() external view returns (IComputeRegistry);
}
