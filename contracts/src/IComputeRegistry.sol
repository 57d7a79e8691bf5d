// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IComputeRegistry
/// @notice On-chain directory of compute providers: who serves which model, at what price per
///         second, where, and what they have earned through settled streams.
/// @dev Provider ids start at 1 and never change. A provider's wallet is fixed at registration.
///      Completions can be recorded only by the StreamPay contract the registry deployed in its
///      constructor (bound for good, no admin), so `completedJobs` and `totalEarned` come only
///      from real settlements.
interface IComputeRegistry {
    /// @notice A provider as returned by the views.
    /// @param id The provider id (>= 1).
    /// @param wallet The address that registered it, receives its streams and may update it.
    /// @param model The exact model name served (e.g. "llama-3.3-70b-versatile").
    /// @param endpoint Where the provider's runtime listens (URL).
    /// @param pricePerSecond Price in wei per second of compute.
    /// @param serviceType Free-form kind of service (0 text, 1 image, 2 audio by convention).
    /// @param active Whether consumers should pick it (inactive ones are skipped by getCheapestProvider).
    /// @param completedJobs Number of settled streams attributed to it.
    /// @param totalEarned Sum in wei of the settled amounts attributed to it (saturates, never reverts).
    /// @param registeredAt Block timestamp of registration.
    struct Provider {
        uint256 id;
        address wallet;
        string model;
        string endpoint;
        uint256 pricePerSecond;
        uint8 serviceType;
        bool active;
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

    /// @notice Emitted when StreamPay settles stream `streamId` for provider `providerId`.
    /// @param earned The amount the provider earned from that stream (wei).
    /// @param completedJobs The provider's count after this completion.
    /// @param totalEarned The provider's total after this completion.
    event CompletionRecorded(
        uint256 indexed providerId, uint256 indexed streamId, uint256 earned, uint256 completedJobs, uint256 totalEarned
    );

    /// @notice Emitted once, in the constructor, naming the StreamPay the registry deployed and trusts.
    event StreamPayBound(address streamPay);

    /// @notice Registers the caller as a provider of `model`.
    /// @param model Exact model name, 1..128 bytes.
    /// @param pricePerSecond Price in wei per second, 1..2^96-1.
    /// @param endpoint The runtime's URL, 1..256 bytes.
    /// @param serviceType Kind of service (0 text, 1 image, 2 audio by convention).
    /// @return providerId The new id (the previous count + 1).
    function registerProvider(string calldata model, uint256 pricePerSecond, string calldata endpoint, uint8 serviceType)
        external
        returns (uint256 providerId);

    /// @notice Changes price, endpoint and active flag; only the provider's wallet may call it.
    /// @dev The model and wallet cannot change: register a new provider for another model.
    function updateProvider(uint256 providerId, uint256 pricePerSecond, string calldata endpoint, bool active) external;

    /// @notice Records a settled stream for `providerId`; only the bound StreamPay may call it.
    /// @dev Reverts with NotProviderWallet when `recipient` is not the provider's wallet, so a
    ///      stream paying someone else can never be attributed to this provider.
    /// @param providerId The provider the stream named.
    /// @param streamId The settled stream (for the event).
    /// @param recipient The stream's recipient, which must be the provider's wallet.
    /// @param earned What the provider earned from the stream (wei).
    function recordCompletion(uint256 providerId, uint256 streamId, address recipient, uint256 earned) external;

    /// @notice The cheapest active provider of exactly `model`; ties go to the lowest id.
    /// @dev Walks only the providers registered for that model, never all providers.
    /// @return providerId 0 when there is none.
    /// @return pricePerSecond 0 when there is none.
    function getCheapestProvider(string calldata model) external view returns (uint256 providerId, uint256 pricePerSecond);

    /// @notice Ids of all active providers in ascending order (a view: walks every provider).
    function getActiveProviderIds() external view returns (uint256[] memory);

    /// @notice One provider; reverts with UnknownProvider for an id not registered.
    function getProvider(uint256 providerId) external view returns (Provider memory);

    /// @notice A page of providers by id: ids offset+1 .. offset+limit (clipped), and the total count.
    function getProviders(uint256 offset, uint256 limit) external view returns (Provider[] memory page, uint256 total);

    /// @notice Ids registered by `wallet`, ascending (a view: walks every provider).
    function getProviderIdsByWallet(address wallet) external view returns (uint256[] memory);

    /// @notice Ids registered for exactly `model` (active or not), ascending.
    function getProviderIdsByModel(string calldata model) external view returns (uint256[] memory);

    /// @notice Number of providers ever registered (ids run 1..providerCount).
    function providerCount() external view returns (uint256);

    /// @notice The StreamPay this registry deployed; the only address that may record completions.
    function streamPay() external view returns (address);
}
