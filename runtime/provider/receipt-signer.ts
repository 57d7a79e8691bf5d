/**
 * The provider's receipt signer: one EIP-712 `JobReceipt` signature per paid job (core/receipt.ts),
 * by the provider's wallet — the key that registered the offerings and settles the streams, so a
 * consumer checks a receipt against the stream's recipient. The routes call it once per job, when the
 * answer is complete, never per chunk. With the wallet's private key it signs the precomputed digest
 * (core/receipt-digest.ts) with hash-signer.ts (~0.2 ms of CPU); without it, the account signs the
 * typed data (viem, ~0.9 ms). Both give the same signature.
 */
import type { Address, Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import type { SigningAccount } from "../chain/client.ts";
import type { PaymentDomain } from "../core/payment.ts";
import { receiptTypes, type JobReceipt, type SignedReceipt } from "../core/receipt.ts";
import { createReceiptHasher } from "../core/receipt-digest.ts";
import { createHashSigner } from "./hash-signer.ts";

export type ReceiptSigner = {
  /** The signing wallet (the stream's recipient). */
  readonly address: Address;
  sign(receipt: JobReceipt): Promise<SignedReceipt>;
};

/**
 * @example
 * const receipts = createReceiptSigner(clients.account, paymentDomain(chainId, contracts.streamPay), { privateKey });
 * const signed = await receipts.sign({ streamId, nonce, requestHash, jobId, model, meteredMs, cost, cumulativeCost, ttftMs, outputHash });
 */
export function createReceiptSigner(account: SigningAccount, domain: PaymentDomain, o: { privateKey?: Hex } = {}): ReceiptSigner {
  const digestOf = createReceiptHasher(domain);
  if (o.privateKey && privateKeyToAddress(o.privateKey) !== account.address) {
    throw new TypeError(`The receipt key is not the wallet's: it signs for ${privateKeyToAddress(o.privateKey)}, the wallet is ${account.address}.`);
  }
  const hashSigner = o.privateKey ? createHashSigner(o.privateKey) : undefined;
  return {
    address: account.address,
    async sign(receipt) {
      const signature = hashSigner
        ? await (await hashSigner).sign(digestOf(receipt))
        : await account.signTypedData({ domain, types: receiptTypes, primaryType: "JobReceipt", message: receipt });
      return { ...receipt, signature };
    },
  };
}
