/**
 * The provider's receipt signer: one EIP-712 `JobReceipt` signature per paid job (core/receipt.ts),
 * by the provider's wallet — the key that registered the offerings and settles the streams, so a
 * consumer checks a receipt against the stream's recipient. One signature costs ~1 ms (viem, pure
 * JS secp256k1): the routes call it once per job, when the answer is complete, never per chunk.
 */
import type { Address } from "viem";
import type { SigningAccount } from "../chain/client.ts";
import type { PaymentDomain } from "../core/payment.ts";
import { receiptTypes, type JobReceipt, type SignedReceipt } from "../core/receipt.ts";

export type ReceiptSigner = {
  /** The signing wallet (the stream's recipient). */
  readonly address: Address;
  sign(receipt: JobReceipt): Promise<SignedReceipt>;
};

/**
 * @example
 * const receipts = createReceiptSigner(clients.account, paymentDomain(chainId, contracts.streamPay));
 * const signed = await receipts.sign({ streamId, nonce, requestHash, jobId, model, meteredMs, cost, cumulativeCost, ttftMs, outputHash });
 */
export function createReceiptSigner(account: SigningAccount, domain: PaymentDomain): ReceiptSigner {
  return {
    address: account.address,
    async sign(receipt) {
      const signature = await account.signTypedData({ domain, types: receiptTypes, primaryType: "JobReceipt", message: receipt });
      return { ...receipt, signature };
    },
  };
}
