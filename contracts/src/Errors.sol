// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Errors
/// @notice Every custom error of ComputeRegistry and StreamPay, in one place. Each carries the
///         values a caller needs to see what was wrong without a second call.
library Errors {
    // ----------------------------------------------------------------------------------------
    // ComputeRegistry
    // ----------------------------------------------------------------------------------------

    /// @notice The model name is empty or longer than `max` bytes.
    error InvalidModel(uint256 length, uint256 max);
    /// @notice The endpoint is empty or longer than `max` bytes.
    error InvalidEndpoint(uint256 length, uint256 max);
    /// @notice The price is zero or does not fit the stored width (`max`).
    error InvalidPrice(uint256 pricePerSecond, uint256 max);
    /// @notice No provider has this id.
    error UnknownProvider(uint256 providerId);
    /// @notice `caller` is not the wallet that registered provider `providerId` (`wallet`).
    error NotProviderWallet(uint256 providerId, address wallet, address caller);
    /// @notice The registry already holds the largest number of providers its ids can name.
    error RegistryFull(uint256 maxProviders);
    /// @notice Only the registry's StreamPay (`streamPay`) may record completions; `caller` is not it.
    error NotStreamPay(address caller, address streamPay);
    /// @notice registerProvider must carry exactly the registration bond: `sent` is not `required`.
    error WrongBond(uint256 sent, uint256 required);
    /// @notice Provider `providerId` is retired: it cannot be updated or retired again.
    error ProviderIsRetired(uint256 providerId);
    /// @notice `prevId` is not the entry just before `providerId` in its model's list (0 = the head).
    error BadListHint(uint256 providerId, uint256 prevId);
    /// @notice Returning the bond (`amount`) to `to` failed; the bond stays claimable.
    error BondRefundFailed(address to, uint256 amount);
    /// @notice Provider `providerId` has no bond waiting to be claimed (never retired, bond 0, or claimed).
    error NoBondDue(uint256 providerId);
    /// @notice The bond of retired provider `providerId` is released only at `releaseAt`; it is `now`.
    error BondNotDue(uint256 providerId, uint256 releaseAt, uint256 now);
    /// @notice `payee` cannot receive a bond (the zero address, the registry or its StreamPay).
    error InvalidPayee(address payee);
    /// @notice `cursor` is no longer in `model`'s list (retired, or of another model): start again from 0.
    error StaleCursor(uint256 cursor);
    /// @notice A rating's score is above `max`.
    error InvalidScore(uint256 score, uint256 max);
    /// @notice Stream `streamId` names no provider (providerId 0): there is nobody to rate.
    error NotAProviderStream(uint256 streamId);
    /// @notice Stream `streamId` paid its recipient nothing: its sender has nothing to weigh a rating with.
    error NothingPaid(uint256 streamId);

    // ----------------------------------------------------------------------------------------
    // StreamPay
    // ----------------------------------------------------------------------------------------

    /// @notice The recipient is the zero address, this contract or the registry (none can take coin out).
    error InvalidRecipient(address recipient);
    /// @notice A stream from `wallet` to itself cannot name provider `providerId`: the provider would
    ///         be paying itself, and its counters would count no real work.
    error SelfAttribution(uint256 providerId, address wallet);
    /// @notice The deposit (msg.value) is zero or above `max`.
    error InvalidDeposit(uint256 deposit, uint256 max);
    /// @notice The duration is zero or above `max` seconds.
    error InvalidDuration(uint256 duration, uint256 max);
    /// @notice The provider id does not fit the stored width (`max`).
    error ProviderIdTooLarge(uint256 providerId, uint256 max);
    /// @notice The stream does not exist.
    error UnknownStream(uint256 streamId);
    /// @notice The stream is no longer active (`status`: 2 settled, 3 cancelled, 4 depleted).
    error StreamNotActive(uint256 streamId, uint8 status);
    /// @notice `caller` is not the stream's recipient.
    error NotRecipient(uint256 streamId, address caller);
    /// @notice `caller` is neither the stream's sender nor its recipient.
    error NotSenderOrRecipient(uint256 streamId, address caller);
    /// @notice Nothing has streamed since the last withdrawal.
    error NothingToWithdraw(uint256 streamId);
    /// @notice A settle amount must lie in [withdrawn, streamed]; `amount` does not.
    error InvalidSettleAmount(uint256 streamId, uint256 amount, uint256 withdrawn, uint256 streamed);
    /// @notice The chain's clock is more than `max` seconds past this contract's deployment.
    error StartOutOfRange(uint256 secondsSinceEpoch, uint256 max);
    /// @notice `account` has no deferred payment to claim.
    error NothingToClaim(address account);
    /// @notice Sending `amount` to `to` failed during a claim.
    error ClaimFailed(address to, uint256 amount);
    /// @notice Only the registry (`registry`) may mark a stream rated; `caller` is not it.
    error NotRegistry(address caller, address registry);
    /// @notice Stream `streamId` is still active: it can be rated once it is settled, cancelled or depleted.
    error StreamStillActive(uint256 streamId);
    /// @notice `caller` is not the sender of stream `streamId` (only the payer may rate).
    error NotStreamSender(uint256 streamId, address caller);
    /// @notice Stream `streamId` has already been rated (once per stream).
    error AlreadyRated(uint256 streamId);
}
