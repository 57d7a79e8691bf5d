/**
 * Known chains. `local` is the embedded dev chain that `claw dev` starts (its RPC URL and contract
 * addresses are filled in at run time); the others are BNB Chain networks. Any other EVM chain is a
 * custom `{ rpcUrl, chainId, contracts }` in claw.config.ts.
 */
export const chainPresets = {
  local: { chainId: 31337, rpcUrl: "http://127.0.0.1:8545", name: "Local dev chain (anvil)", nativeSymbol: "ETH" },
  "bsc-testnet": { chainId: 97, rpcUrl: "https://data-seed-prebsc-1-s1.binance.org:8545", name: "BNB Smart Chain Testnet", nativeSymbol: "tBNB" },
  bsc: { chainId: 56, rpcUrl: "https://bsc-dataseed.bnbchain.org", name: "BNB Smart Chain", nativeSymbol: "BNB" },
  "opbnb-testnet": { chainId: 5611, rpcUrl: "https://opbnb-testnet-rpc.bnbchain.org", name: "opBNB Testnet", nativeSymbol: "tBNB" },
  opbnb: { chainId: 204, rpcUrl: "https://opbnb-mainnet-rpc.bnbchain.org", name: "opBNB", nativeSymbol: "BNB" },
} as const;

export type ChainPresetName = keyof typeof chainPresets;
export const chainPresetNames = Object.keys(chainPresets) as [ChainPresetName, ...ChainPresetName[]];
