// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IComputeRegistry
/// @notice On-chain directory of compute providers: who serves which model, at what price per
///         second, where, and what they have earned through settled streams.
/// @dev Provider ids start at 1 and never change. A provider's wallet is fixed at registration.
///      Registration is permissionless but carries a refundable bond (REGISTRATION_BOND, set at
///      deployment, 0 on local chains) that stays locked until the wallet retires the entry, which
///      also takes it out of its model's list. Every view that iterates is paged (offset/limit over
///      ids, or a cursor along a model's list) and clamps its page, so its gas has a fixed worst case
///      however many entries exist (contracts/README.md lists them, measured).
///      Completions can be recorded only by the StreamPay contract the registry deployed in its
///      constructor (bound for good, no admin).
interface IComputeRegistry {
    /// @notice A provider as returned by the views.
    /// @param id The provider id (>= 1).
    /// @param wallet The address that registered it, receives its streams and may update it.
    /// @param model The exact model name served (e.g. "llama-3.3-70b-versatile").
    /// @param endpoint Where the provider's runtime listens (URL).
    /// @param pricePerSecond Price in wei per second of compute.
    /// @param serviceType Free-form kind of service (0 text, 1 image, 2 audio by convention).
    /// @param active Whether consumers should pick it (inactive ones are skipped by getCheapestProvider).
    /// @param retired Whether the wallet retired it (bond returned, out of its model's list, for good).
    /// @param completedJobs Number of streams settled for a non-zero amount and attributed to it.
    ///        What it proves: that many streams, each from a sender other than the provider's wallet
    ///        and paying that wallet, were settled by the wallet for a non-zero amount. What it does
    ///        NOT prove: that the senders are independent of the provider (a second wallet of its own
    ///        can open streams to it; that costs gas and locks coin, and nothing on chain can tell),
    ///        nor that any compute was delivered (the sender agreed to pay, the chain saw no more).
    /// @param totalEarned Sum in wei of the settled amounts of those streams (saturates, never
    ///        reverts). The same limits as completedJobs apply: coin that moved from other addresses
    ///        to the wallet through settlement, not independent demand.
    /// @param registeredAt Block timestamp of registration.
    struct Provider {
        uint256 id;
        address wallet;
        string model;
        string endpoint;
        uint256 pricePerSecond;
        uint8 serviceType;
        bool active;
        bool retired;
        uint256 completedJobs;
        uint256 totalEarned;
        uint256 registeredAt;
    }

    /// @notice Emitted once per registration.
    event ProviderRegistered(
        uint256 indexed providerId,
        address indexed wallet,
        string model,
        uint256 pricePerSecond,
        string endpoint,
        uint8 serviceType
    );

    /// @notice Emitted on every update by the provider's wallet, with the values now in force.
    event ProviderUpdated(
        uint256 indexed providerId, address indexed wallet, uint256 pricePerSecond, string endpoint, bool active
    );

    /// @notice The wallet retired provider `providerId`; `bondRefunded` went back to it.
    event ProviderRetired(uint256 indexed providerId, address indexed wallet, uint256 bondRefunded);

    /// @notice Emitted when StreamPay settles stream `streamId` for provider `providerId`.
    /// @param earned The amount the provider earned from that stream (wei, > 0).
    /// @param completedJobs The provider's count after this completion.
    /// @param totalEarned The provider's total after this completion.
    event CompletionRecorded(
        uint256 indexed providerId, uint256 indexed streamId, uint256 earned, uint256 completedJobs, uint256 totalEarned
    );

    /// @notice Emitted once, in the constructor, naming the StreamPay the registry deployed and trusts.
    event StreamPayBound(address streamPay);

    /// @notice Registers the caller as a provider of `model`; msg.value must equal REGISTRATION_BOND.
    /// @param model Exact model name, 1..128 bytes.
    /// @param pricePerSecond Price in wei per second, 1..2^96-1.
    /// @param endpoint The runtime's URL, 1..256 bytes.
    /// @param serviceType Kind of service (0 text, 1 image, 2 audio by convention).
    /// @return providerId The new id (the previous count + 1, at most MAX_PROVIDERS).
    function registerProvider(string calldata model, uint256 pricePerSecond, string calldata endpoint, uint8 serviceType)
        external
        payable
        returns (uint256 providerId);

    /// @notice Changes price, endpoint and active flag; only the provider's wallet may call it.
    /// @dev The model and wallet cannot change: register a new provider for another model.
    ///      A retired provider cannot be updated.
    function updateProvider(uint256 providerId, uint256 pricePerSecond, string calldata endpoint, bool active) external;

    /// @notice The wallet retires provider `providerId` for good: it leaves its model's list, turns
    ///         inactive and the bond goes back to the wallet (msg.sender).
    /// @param prevId The id just before it in its model's list (the list runs newest first; 0 when
    ///        it is the head), as read from getProvidersByModel. Checked, so a wrong hint reverts
    ///        (BadListHint) and unlinking stays O(1).
    function retireProvider(uint256 providerId, uint256 prevId) external;

    /// @notice Records a settled stream for `providerId`; only the bound StreamPay may call it.
    /// @dev Reverts with NotProviderWallet when `recipient` is not the provider's wallet, so a
    ///      stream paying someone else can never be attributed to this provider. StreamPay calls it
    ///      only for a non-zero amount and never for a stream whose sender is its recipient.
    /// @param providerId The provider the stream named.
    /// @param streamId The settled stream (for the event).
    /// @param recipient The stream's recipient, which must be the provider's wallet.
    /// @param earned What the provider earned from the stream (wei).
    function recordCompletion(uint256 providerId, uint256 streamId, address recipient, uint256 earned) external;

    /// @notice The cheapest active provider of exactly `model` among at most `limit` (<= MAX_SCAN)
    ///         entries of its list, starting at `cursor` (0 = the head). Ties go to the lowest id.
    /// @dev Walk the whole list by passing `next` back until it is 0, keeping the cheapest. A cursor
    ///      that is no provider id reverts with UnknownProvider.
    /// @return providerId 0 when none in this page.
    /// @return pricePerSecond 0 when none in this page.
    /// @return next Where the next page starts; 0 when the list ends here.
    function getCheapestProvider(string calldata model, uint256 cursor, uint256 limit)
        external
        view
        returns (uint256 providerId, uint256 pricePerSecond, uint256 next);

    /// @notice Providers of exactly `model` (active or not, retired ones are out of the list), newest
    ///         first, at most `limit` (<= MAX_PAGE) from `cursor` (0 = the head).
    /// @dev `cursor` must be a `next` from an earlier page of the same model; one that is no
    ///      provider id reverts with UnknownProvider.
    /// @return page The providers.
    /// @return next Where the next page starts (pass it as `cursor`); 0 when the list ends here.
    function getProvidersByModel(string calldata model, uint256 cursor, uint256 limit)
        external
        view
        returns (Provider[] memory page, uint256 next);

    /// @notice One provider; reverts with UnknownProvider for an id not registered.
    function getProvider(uint256 providerId) external view returns (Provider memory);

    /// @notice A page of providers by id: ids offset+1 .. offset+limit (limit clamped to MAX_PAGE,
    ///         then to the count), and the total count.
    function getProviders(uint256 offset, uint256 limit) external view returns (Provider[] memory page, uint256 total);

    /// @notice Among ids offset+1 .. offset+limit (limit clamped to MAX_SCAN), those registered by
    ///         `wallet`, ascending.
    /// @return ids The matches in this window.
    /// @return next The offset of the next window; 0 when this window reached the last id.
    function getProviderIdsByWallet(address wallet, uint256 offset, uint256 limit)
        external
        view
        returns (uint256[] memory ids, uint256 next);

    /// @notice Among ids offset+1 .. offset+limit (limit clamped to MAX_SCAN), the active ones, ascending.
    /// @return ids The matches in this window.
    /// @return next The offset of the next window; 0 when this window reached the last id.
    function getActiveProviderIds(uint256 offset, uint256 limit) external view returns (uint256[] memory ids, uint256 next);

    /// @notice Number of providers ever registered (ids run 1..providerCount).
    function providerCount() external view returns (uint256);

    /// @notice The StreamPay this registry deployed; the only address that may record completions.
    function streamPay() external view returns (address);

    /// @notice The bond every registration locks (wei), fixed at deployment.
    function REGISTRATION_BOND() external view returns (uint256);
}
