/**
 * The chain layer: one typed action per file over the generated ABIs (contracts/generated/abi.ts).
 * Reads take a ReadClient, writes take ChainClients (runtime/chain/client.ts builds both from named
 * profiles); every failure is a ClawError from the one mapping in runtime/chain/errors.ts.
 */
export { getStream, type GetStreamParameters } from "./get-stream.ts";
export { getStreamedAmount } from "./get-streamed-amount.ts";
export { getStreamHistory, type StreamHistory } from "./get-stream-history.ts";
export { listStreamsBySender, type SentStream } from "./list-streams-by-sender.ts";
export { getClaimable } from "./get-claimable.ts";
export { getProvider, type RegistryProvider } from "./get-provider.ts";
export { listProviders } from "./list-providers.ts";
export { listProvidersByModel } from "./list-providers-by-model.ts";
export { listProviderIdsByWallet } from "./list-provider-ids-by-wallet.ts";
export { getChainId } from "./get-chain-id.ts";
export { registerProvider, type RegisterProviderParameters } from "./register-provider.ts";
export { updateProvider, type UpdateProviderParameters } from "./update-provider.ts";
export { createStream, type CreateStreamParameters, type CreatedStream } from "./create-stream.ts";
export { settleStream } from "./settle-stream.ts";
export { cancelStream } from "./cancel-stream.ts";
export { withdrawFromStream } from "./withdraw-from-stream.ts";
export { claim, type ClaimParameters } from "./claim.ts";
export { PROVIDER_PAGE, ID_WINDOW } from "./paging.ts";
export type { WriteOptions, Written } from "./send.ts";
