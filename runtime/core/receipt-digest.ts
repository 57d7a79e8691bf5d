/**
 * The EIP-712 digest of a JobReceipt without the general typed-data machinery: the domain separator
 * and the type hash are computed once per domain (by viem), and each receipt is ABI-encoded straight
 * into one buffer (11 words) and hashed: three keccak calls per receipt (struct, jobId, final; js-sha3,
 * core/keccak.ts), the model's hash cached. Equal to `receiptDigest` (viem's hashTypedData) for every valid receipt;
 * receipt-digest.test.ts checks that over random and edge inputs. Out-of-range integers and
 * malformed hashes throw, as viem does. Pure.
 */
import { domainSeparator, hexToBytes, stringToBytes, type Hex } from "viem";
import { keccak256Bytes } from "./keccak.ts";
import type { PaymentDomain } from "./payment.ts";
import { receiptTypes, type JobReceipt } from "./receipt-types.ts";

const U64 = (1n << 64n) - 1n;
const U256 = (1n << 256n) - 1n;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const MAX_CACHED_MODELS = 256;

/** `Name(type name,...)` of the struct: EIP-712 `encodeType` (JobReceipt references no other struct). */
function encodeType(): string {
  return `JobReceipt(${receiptTypes.JobReceipt.map((f) => `${f.type} ${f.name}`).join(",")})`;
}

function putUint(view: DataView, word: number, v: bigint, max: bigint, name: string): void {
  if (typeof v !== "bigint" || v < 0n || v > max) throw new RangeError(`JobReceipt.${name} is not a uint${max === U64 ? 64 : 256}: ${String(v)}`);
  const at = word * 32;
  view.setBigUint64(at + 24, v & U64);
  if (v > U64) {
    view.setBigUint64(at + 16, (v >> 64n) & U64);
    view.setBigUint64(at + 8, (v >> 128n) & U64);
    view.setBigUint64(at, v >> 192n);
  }
}

/** Checked 0x + 64 hex digits, written as 32 bytes (web standard: this digest also runs in the consumer's SDK). */
function putBytes32(out: Uint8Array, word: number, v: Hex, name: string): void {
  if (typeof v !== "string" || !HEX32.test(v)) throw new TypeError(`JobReceipt.${name} is not a 0x 32-byte hex value.`);
  for (let i = 0; i < 32; i++) out[word * 32 + i] = parseInt(v.slice(2 + 2 * i, 4 + 2 * i), 16);
}

/**
 * @example
 * const digestOf = createReceiptHasher(paymentDomain(31337, streamPay));
 * digestOf(receipt) === receiptDigest(domain, receipt) // true
 */
export function createReceiptHasher(domain: PaymentDomain): (r: JobReceipt) => Uint8Array {
  const separator = hexToBytes(domainSeparator({ domain }));
  const typeHash = keccak256Bytes(stringToBytes(encodeType()));
  const modelHashes = new Map<string, Uint8Array>();
  const stringHash = (s: string) => keccak256Bytes(stringToBytes(s));
  return (r) => {
    // typeHash | streamId | nonce | requestHash | keccak(jobId) | keccak(model) | meteredMs | cost | cumulativeCost | ttftMs | outputHash
    const struct = new Uint8Array(11 * 32);
    const view = new DataView(struct.buffer, struct.byteOffset, struct.byteLength);
    struct.set(typeHash, 0);
    putUint(view, 1, r.streamId, U256, "streamId");
    putUint(view, 2, r.nonce, U256, "nonce");
    putBytes32(struct, 3, r.requestHash, "requestHash");
    struct.set(stringHash(r.jobId), 4 * 32);
    let model = modelHashes.get(r.model);
    if (!model) {
      model = stringHash(r.model);
      if (modelHashes.size >= MAX_CACHED_MODELS) modelHashes.clear();
      modelHashes.set(r.model, model);
    }
    struct.set(model, 5 * 32);
    putUint(view, 6, r.meteredMs, U64, "meteredMs");
    putUint(view, 7, r.cost, U256, "cost");
    putUint(view, 8, r.cumulativeCost, U256, "cumulativeCost");
    putUint(view, 9, r.ttftMs, U64, "ttftMs");
    putBytes32(struct, 10, r.outputHash, "outputHash");
    const envelope = new Uint8Array(66);
    envelope[0] = 0x19;
    envelope[1] = 0x01;
    envelope.set(separator, 2);
    envelope.set(keccak256Bytes(struct), 34);
    return keccak256Bytes(envelope);
  };
}
