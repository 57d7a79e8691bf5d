// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IComputeRegistry
/// @notice On-chain directory of compute providers: who serves which model, at what price per
///         second, where, and what they have earned through settled streams.
/// @dev Provider ids start at 1 and never change. A provider's wallet is fixed at registration.
///      Registration is permissionless but carries a refundable bond (REGISTRATION_BOND, set at
///      deployment, 0 on local chains) that stays locked while the entry is listed and for
///      BOND_COOLDOWN after the wallet retires it (then claimBond pays it out), so churning ids
///      costs capital over time. Retiring takes the entry out of its model's list. Every view that iterates is paged (offset/limit over
///      ids, or a cursor along a model's list) and clamps its page, so its gas has a fixed worst case
///      however many entries exist (contracts/README.md lists them, measured).
///      Completions can be recorded only by the StreamPay contract the registry deployed in its
///      constructor (bound for good, no admin). Ratings: the sender of a closed provider stream
///      that paid the provider rates it once (rateStream); the registry keeps per provider the
///      count, the total the raters paid and sums weighted by what each rater paid.
interface IComputeRegistry {
    /// @notice A provider's ratings (getReputation). Averages are `xWeighted / weight`.
    /// @param ratings Number of ratings (saturates at 2^32-1).
    /// @param paidByRaters Wei the rated streams paid the provider, summed (saturates at 2^88-1).
    /// @param weight Sum of the ratings' weights, each floor(paid / RATING_WEIGHT_UNIT) (saturates at 2^64-1).
    /// @param scoreWeighted Sum of score x weight (score 0..MAX_SCORE; saturates at 2^64-1).
    /// @param ttftWeighted Sum of time-to-first-token (ms, as the rater measured it) x weight (saturates at 2^88-1).
    /// @param tokensPerSecondWeighted Sum of tokens per second x weight (saturates at 2^88-1).
    /// @param failuresWeighted Sum of failed requests x weight (saturates at 2^72-1).
    struct Reputation {
        uint256 ratings;
        uint256 paidByRaters;
        uint256 weight;
        uint256 scoreWeighted;
        uint256 ttftWeighted;
        uint256 tokensPerSecondWeighted;
        uint256 failuresWeighted;
    }

    /// @notice A provider as returned by the views.
    /// @param id The provider id (>= 1).
    /// @param wallet The address that registered it, receives its streams and may update it.
    /// @param model The exact model name served (e.g. "llama-3.3-70b-versatile").
    /// @param endpoint Where the provider's runtime listens (URL).
    /// @param pricePerSecond Price in wei per second of compute.
    /// @param serviceType Free-form kind of service (0 text, 1 image, 2 audio by convention).
    /// @param active Whether consumers should pick it (inactive ones are skipped by getCheapestProvider).
    /// @param retired Whether the wallet retired it (out of its model's list for good; its bond is claimable after BOND_COOLDOWN).
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

    /// @notice The wallet retired provider `providerId`: out of its model's list for good. `bond`
    ///         (0 when the registry has no bond) becomes claimable by `payee` at `releaseAt`.
    event ProviderRetired(
        uint256 indexed providerId, address indexed wallet, uint256 bond, address payee, uint256 releaseAt
    );

    /// @notice The bond of retired provider `providerId` (`amount`) was paid to `payee`.
    event BondClaimed(uint256 indexed providerId, address indexed payee, uint256 amount);

    /// @notice The sender (`rater`) of stream `streamId` rated provider `providerId`.
    /// @param paid What the stream paid the provider (wei): the rating's weight before scaling.
    /// @param score 0..MAX_SCORE.
    /// @param ttftMs Time to first token the rater measured, in milliseconds.
    /// @param tokensPerSecond Output tokens per second the rater measured (floored).
    /// @param failures Requests of this stream that failed, as the rater counted them.
    /// @param receiptDigest EIP-712 digest of the provider's signed job receipt the figures come from
    ///        (0 if none); not checked on chain, so anyone can match it against the receipt off chain.
    event StreamRated(
        uint256 indexed providerId,
        uint256 indexed streamId,
        address indexed rater,
        uint256 paid,
        uint8 score,
        uint24 ttftMs,
        uint24 tokensPerSecond,
        uint16 failures,
        bytes32 receiptDigest
    );

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

    /// @notice The wallet retires provider `providerId` for good: it leaves its model's list and turns
    ///         inactive; its bond becomes claimable by the wallet (msg.sender) BOND_COOLDOWN seconds
    ///         from now (claimBond). Nothing is paid here.
    /// @param hint Any live entry of the same list before it (ideally the one just before it, as read
    ///        from getProvidersByModel; 0 = start at the head). The entry before it is searched from
    ///        `hint`, then from the head, at most MAX_HINT_WALK entries each, so a hint made stale by
    ///        new registrations (they enter at the head) or by a retirement still works; BadListHint
    ///        only when neither walk finds it.
    function retireProvider(uint256 providerId, uint256 hint) external;

    /// @notice retireProvider, with the bond going to `payee` instead of the wallet (for a wallet that
    ///         cannot take coin). `payee` cannot be the zero address, the registry or its StreamPay
    ///         (InvalidPayee); it is fixed here and cannot change later.
    function retireTo(uint256 providerId, uint256 hint, address payee) external;

    /// @notice Anyone pays the bond of retired provider `providerId` to its payee, once its cooldown
    ///         is over, with all the gas left. Reverts NoBondDue, BondNotDue(providerId, releaseAt, now)
    ///         or BondRefundFailed (the payee refused; the bond stays claimable).
    /// @return amount The bond paid.
    function claimBond(uint256 providerId) external returns (uint256 amount);

    /// @notice Rates the provider of closed stream `streamId`; only its sender, once per stream.
    /// @dev The registry asks its StreamPay (markRated), which reverts unless the stream is closed
    ///      (settled, cancelled or depleted: StreamStillActive, UnknownStream), msg.sender opened it
    ///      (NotStreamSender) and it was not rated before (AlreadyRated). Then it must name a provider
    ///      (NotAProviderStream) whose wallet is its recipient (NotProviderWallet) and have paid it
    ///      something (NothingPaid). The rating weighs floor(paid / RATING_WEIGHT_UNIT).
    ///      What it proves: an address paid the provider `paid` wei and says this. What it does not:
    ///      that the address is independent of the provider (contracts/README.md: cost of a wash).
    /// @param score 0..MAX_SCORE (InvalidScore above).
    /// @param ttftMs Time to first token measured by the rater, ms (< 2^24).
    /// @param tokensPerSecond Output tokens per second measured by the rater (< 2^24).
    /// @param failures Failed requests on this stream (< 2^16).
    /// @param receiptDigest The provider's signed job receipt the figures refer to (emitted only).
    function rateStream(
        uint256 streamId,
        uint8 score,
        uint24 ttftMs,
        uint24 tokensPerSecond,
        uint16 failures,
        bytes32 receiptDigest
    ) external;

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
    ///      that is no provider id reverts with UnknownProvider, a retired one (or of another model)
    ///      with StaleCursor.
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
    ///      provider id reverts with UnknownProvider, one that has since been retired (or is of another
    ///      model) with StaleCursor: start again from 0 (or read every page at one block).
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

    /// @notice A provider's ratings; reverts UnknownProvider for an id not registered.
    function getReputation(uint256 providerId) external view returns (Reputation memory);

    /// @notice The bond waiting for retired provider `providerId`: its payee and the time it is
    ///         released; (0, 0) when none is due (not retired, bond 0, or already claimed).
    function bondOf(uint256 providerId) external view returns (address payee, uint256 releaseAt);

    /// @notice Number of providers ever registered (ids run 1..providerCount).
    function providerCount() external view returns (uint256);

    /// @notice The StreamPay this registry deployed; the only address that may record completions.
    function streamPay() external view returns (address);

    /// @notice The bond every registration locks (wei), fixed at deployment.
    function REGISTRATION_BOND() external view returns (uint256);
}
